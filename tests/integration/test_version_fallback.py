"""A position the version processor cannot read back (its state corrupted in the table's
changelog) stops neither the worker nor the other claims of the batch: the claims of
that position are dead-lettered, one by one, with the reason, and the rest are versioned."""

import asyncio
import base64
import json
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.clients.admin import partitions_of
from streams.processors.app import changelog_topic
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

ARTICLE = """Moscow and NATO trade words over military contacts

MOSCOW, March 3, 2023 - Russian Deputy Foreign Minister Alexander Grushko said on Friday that Moscow rejects \
any dialogue with NATO while the alliance keeps building up forces near Russia's borders.

NATO Secretary General Jens Stoltenberg said the alliance remains ready for dialogue with Russia and wants to \
keep military channels of communication open.
"""


async def corrupt(bootstrap: str, topic: str, key: str) -> None:
    """A changelog record for ``key`` that no build could read as a position, in the
    partition of the key's good records, so that recovery reads it after them."""
    raw = json.dumps(key).encode()  # the table's keys are JSON
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await partitions_of(consumer, topic)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        found: set[int] = set()
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for tp, messages in (await consumer.getmany(timeout_ms=1000)).items():
                found |= {tp.partition for m in messages if m.key == raw}
    finally:
        await consumer.stop()
    assert len(found) == 1, f"the records of {key} are in partitions {found}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=raw, value=b'{"statements": "not a list"}', partition=found.pop())
    finally:
        await producer.stop()


def _statements(p: Pipeline, actor: str, topic: str) -> set[str]:
    history = json.loads(p.cli("history", "--actor", actor, "--topic", topic, "--format", "json").stdout)
    return {s for version in history for s in version["statement_ids"]}


def test_a_position_that_cannot_be_read_back_loses_its_claims_to_dead_letters_only(
        pipeline: Pipeline, tmp_path: Path) -> None:
    p = pipeline
    p.cli("replay", "seeds", "--wait")
    positions = [("grushko", "dialogue"), ("stoltenberg", "dialogue"), ("stoltenberg", "military_contacts")]
    before = {position: _statements(p, *position) for position in positions}
    assert before[("grushko", "dialogue")], "the seeds give Grushko a position on dialogue"
    p.kill_worker()
    asyncio.run(corrupt(p.bootstrap, changelog_topic(p.settings), "grushko|dialogue"))
    p.start_worker()  # which recovers its table, the corrupt position with it

    (tmp_path / "contacts.txt").write_text(ARTICLE)
    p.cli("replay", str(tmp_path / "contacts.txt"), "--wait")

    letters = [x for x in json.loads(p.cli("deadletter", "list", "--format", "json").stdout) if x["stage"] == "version"]
    assert len(letters) == 1, letters
    letter = letters[0]
    claim = json.loads(base64.b64decode(letter["value"]))["data"]
    assert (claim["actor_id"], claim["topic"]) == ("grushko", "dialogue")
    assert letter["source_topic"] == p.settings.topics.claims and "version failed" in letter["reason"]
    # Grushko's position did not move; Stoltenberg's two took the article's claims.
    after = {position: _statements(p, *position) for position in positions}
    assert after[("grushko", "dialogue")] == before[("grushko", "dialogue")]
    assert after[("stoltenberg", "dialogue")] > before[("stoltenberg", "dialogue")]
    assert after[("stoltenberg", "military_contacts")] > before[("stoltenberg", "military_contacts")]
    assert p.worker is not None and p.worker.poll() is None
