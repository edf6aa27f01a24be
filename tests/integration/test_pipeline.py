"""The whole flow on a real broker and a real PostgreSQL: replay, extract, version, project."""

import asyncio
import json
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from storage import queries
from storage.databases import create_database
from storage.migrate import drop_projection
from streams.clients.admin import end_offsets
from streams.core.corpus import read_corpus
from streams.core.extraction import extract
from streams.core.versioning import Position, apply_claim
from streams.projector.service import Projector
from tests.integration.conftest import Pipeline
from tests.integration.projection import snapshot

pytestmark = pytest.mark.integration


def expected_versions(seeds: Path, actor: str, topic: str) -> list[tuple[int, str, date]]:
    """What the pure core derives from the seeds, as the oracle for the deployed pipeline."""
    position: Position | None = None
    for article in read_corpus([seeds]):
        for claim in extract(article):  # type: ignore[arg-type]
            if (claim.actor_id, claim.topic.value) == (actor, topic):
                position = apply_claim(position, claim).position
    assert position is not None, f"the seeds carry no dated claim of {actor} on {topic}"
    return [(v.version, v.stance.value, v.valid_from) for v in position.versions]


async def versions_in_db(database_url: str, actor: str, topic: str) -> list[tuple[int, str, date]]:
    conn = await asyncpg.connect(database_url)
    try:
        return [(r.version, r.stance, r.valid_from) for r in await queries.history(conn, actor, topic)]
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def replayed(pipeline: Pipeline) -> Pipeline:
    run = pipeline.cli("replay", "seeds", "--wait")
    assert "replayed 5 articles" in run.stdout, run.stdout + run.stderr
    return pipeline


@pytest.mark.parametrize("topic", ["dialogue", "military_contacts"])
def test_replay_yields_the_position_versions_the_seeds_support(replayed: Pipeline, seeds_dir: Path,
                                                               topic: str) -> None:
    expected = expected_versions(seeds_dir, "grushko", topic)
    assert asyncio.run(versions_in_db(replayed.database_url, "grushko", topic)) == expected


def test_projected_claims_are_the_extractors_claims(replayed: Pipeline, seeds_dir: Path) -> None:
    expected = {c.claim_id for a in read_corpus([seeds_dir]) for c in extract(a)}  # type: ignore[arg-type]
    rows = asyncio.run(snapshot(replayed.database_url))
    assert {r[0] for r in rows["claims"]} == expected
    assert len(rows["articles"]) == 5


def test_a_second_replay_changes_no_row(replayed: Pipeline) -> None:
    before = asyncio.run(snapshot(replayed.database_url))
    replayed.cli("replay", "seeds", "--wait", "--order", "shuffle", "--seed", "7")
    after = asyncio.run(snapshot(replayed.database_url))
    assert {t: rows for t, rows in after.items() if t != "projection_offsets"} == {
        t: rows for t, rows in before.items() if t != "projection_offsets"}


def test_a_plain_aiokafka_consumer_sees_position_changed_events(replayed: Pipeline) -> None:
    async def consume() -> list[tuple[dict[str, object], dict[str, bytes]]]:
        consumer = AIOKafkaConsumer(replayed.settings.topics.changes, bootstrap_servers=replayed.bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            ends = await end_offsets(replayed.bootstrap, [replayed.settings.topics.changes])
            wanted, seen = sum(ends.values()), []
            while len(seen) < wanted:
                batch = await consumer.getmany(timeout_ms=2000)
                assert batch, "no more PositionChanged events before the end offsets"
                seen += [(json.loads(m.value), dict(m.headers)) for msgs in batch.values() for m in msgs]
            return seen
        finally:
            await consumer.stop()

    events = asyncio.run(consume())
    types = {e["event_type"] for e, _ in events}
    assert "PositionChanged" in types and types <= {"PositionChanged", "PositionRevised", "PositionCorroborated"}
    announced = {(e["data"]["actor_id"], e["data"]["topic"], e["data"]["version"])
                 for e, _ in events if e["event_type"] == "PositionChanged"}
    announced |= {(e["data"]["actor_id"], e["data"]["topic"], v["version"])
                  for e, _ in events if e["event_type"] == "PositionRevised" for v in e["data"]["versions"]}
    rows = asyncio.run(snapshot(replayed.database_url))["position_versions"]
    assert {r[:3] for r in rows} == announced
    for event, headers in events:
        assert headers["ce_id"].decode() == event["event_id"]
        assert headers["ce_type"].decode() == f"claimtrack.{event['event_type']}.v{event['schema_version']}"
        assert event["schema_version"] == 2


def test_the_projection_rebuilt_from_the_log_is_identical(replayed: Pipeline, postgres_server: str) -> None:
    topics = replayed.settings.topics

    async def project_until_caught_up(url: str) -> dict[str, list[tuple[object, ...]]]:
        projector = Projector(replayed.bootstrap, url, topics)
        stop = asyncio.Event()
        task = asyncio.create_task(projector.run(stop))
        ends = {k: v for k, v in (await end_offsets(replayed.bootstrap, list(topics.projected))).items() if v}
        rebuilt: dict[str, list[tuple[object, ...]]] = {}
        for _ in range(200):
            rebuilt = await snapshot(url) if await _migrated(url) else {}
            if rebuilt and {(t, p): o for t, p, o in rebuilt["projection_offsets"]} == ends:
                break
            await asyncio.sleep(0.2)
        stop.set()
        await task
        return rebuilt

    async def rebuild_twice() -> tuple[dict[str, list[tuple[object, ...]]], ...]:
        url = await create_database(postgres_server, replayed.settings.app_id + "_rebuild")
        rebuilt = await project_until_caught_up(url)
        conn = await asyncpg.connect(url)
        await drop_projection(conn)
        await conn.close()
        again = await project_until_caught_up(url)  # a dropped projection rebuilds the same way
        return await snapshot(replayed.database_url), rebuilt, again

    original, rebuilt, again = asyncio.run(rebuild_twice())
    assert original["position_versions"]
    assert rebuilt == original
    assert again == original


async def _migrated(url: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return bool(await conn.fetchval("SELECT to_regclass('projection_offsets') IS NOT NULL"))
    finally:
        await conn.close()


def test_a_malformed_event_goes_to_the_dead_letter_topic_and_the_flow_goes_on(replayed: Pipeline) -> None:
    topics = replayed.settings.topics

    async def send_garbage_and_read_dead_letters() -> list[dict[str, object]]:
        producer = AIOKafkaProducer(bootstrap_servers=replayed.bootstrap)
        await producer.start()
        await producer.send_and_wait(topics.articles, key=b"bad", value=b"\xff not an event")
        await producer.stop()
        consumer = AIOKafkaConsumer(topics.deadletter, bootstrap_servers=replayed.bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        try:
            for _ in range(30):
                batch = await consumer.getmany(timeout_ms=1000)
                letters = [json.loads(m.value) for msgs in batch.values() for m in msgs]
                if letters:
                    return letters
            return []
        finally:
            await consumer.stop()

    letters = asyncio.run(send_garbage_and_read_dead_letters())
    assert len(letters) == 1
    assert letters[0]["source_topic"] == topics.articles and "not UTF-8" in str(letters[0]["reason"])
    replayed.cli("replay", "seeds/000_d07fadb290a2279d.txt", "--wait")  # still flowing
    listed = json.loads(replayed.cli("deadletter", "list", "--format", "json").stdout)
    assert [(x["source_topic"], x["reason"]) for x in listed] == [(letters[0]["source_topic"], letters[0]["reason"])]
    # Re-submitting sends the original bytes back once (they are refused again: still bad).
    first = replayed.cli("deadletter", "replay")
    assert "re-submitted 1 dead letter(s)" in first.stdout
    original = f"{letters[0]['source_topic']}[{letters[0]['partition']}]@{letters[0]['offset']}"
    assert original in first.stderr
    assert original not in replayed.cli("deadletter", "replay").stderr


@pytest.mark.parametrize("hostile", ["x'; DROP TABLE claims; --", "grushko' OR '1'='1", "dialogue; DELETE FROM actors"])
def test_injection_strings_change_nothing(replayed: Pipeline, hostile: str) -> None:
    before = replayed.cli("checksum", "--full").stdout
    run = replayed.cli("history", "--actor", hostile, check=False)
    assert run.returncode == 2 and "unknown actor" in run.stderr
    assert replayed.cli("history", "--topic", hostile, check=False).returncode == 2
    assert replayed.cli("checksum", "--full").stdout == before


def test_unknown_actor_gets_one_line_naming_the_choices(replayed: Pipeline) -> None:
    run = replayed.cli("history", "--actor", "nobody-at-all", "--topic", "dialogue", check=False)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "known actors:" in run.stderr and "grushko" in run.stderr


def test_history_finds_actors_by_alias_case_insensitively(replayed: Pipeline) -> None:
    run = replayed.cli("history", "--actor", "ALEXANDER GRUSHKO", "--topic", "dialogue", "--format", "json")
    rows = json.loads(run.stdout)
    assert rows and {r["actor_id"] for r in rows} == {"grushko"}


def test_positions_lists_each_current_version(replayed: Pipeline) -> None:
    run = replayed.cli("positions", "--format", "json")
    rows = json.loads(run.stdout)
    assert rows and all(r["valid_to"] is None for r in rows)
    assert len({(r["actor_id"], r["topic"]) for r in rows}) == len(rows)
