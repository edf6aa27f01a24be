"""Events that once stopped the pipeline for good: the worker stays alive, they are
dead-lettered or stored safely, and a good article replayed after them is projected."""

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from schemas import Article, ArticlePublished, encode_event
from schemas.ids import article_id_for
from streams.core.handlers import claim_events
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

LONG_AGO_MS = int(datetime(2001, 1, 1, tzinfo=UTC).timestamp() * 1000)


def _claim_from_2001() -> bytes:
    """A claim about 2000, written to the log in 2001: plausible, and older in transaction
    time than every row of the position it changes."""
    text = "Sergei Ryabkov said that Moscow rejects any talks with the alliance."
    article = Article(article_id=article_id_for(text), source="old.txt", title="", text=text, body_start=0,
                      published_at=date(2000, 6, 1), date_source="text")
    published = ArticlePublished.create(article, occurred_at=None, produced_at=datetime(2001, 1, 1, tzinfo=UTC))
    return encode_event(claim_events(published, datetime(2001, 1, 1, tzinfo=UTC))[0])


def test_nul_text_tombstones_and_old_timestamps_stop_nothing(pipeline: Pipeline, tmp_path: Path) -> None:
    topics = pipeline.settings.topics
    first = tmp_path / "first.txt"
    first.write_text("Ryabkov open to talks\n\nPublished: 2022-01-10\n\n"
                     "Sergei Ryabkov said that Moscow is open to talks with NATO.\n")
    pipeline.cli("replay", str(first), "--wait")

    nul = tmp_path / "nul.txt"
    nul.write_text("Grushko on\x00 talks\n\nPublished: 2022-01-12\n\n"
                   "Alexander Grushko said that\x00 Moscow is ready for dialogue with NATO.\n")

    async def send_poison() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.bootstrap)
        await producer.start()
        try:
            for topic in (topics.articles, topics.claims, topics.changes):
                await producer.send_and_wait(topic, key=b"tombstone", value=None)
            # A valid claim whose log time predates every row of the position it changes.
            await producer.send_and_wait(topics.claims, key=b"ryabkov", value=_claim_from_2001(),
                                         timestamp_ms=LONG_AGO_MS)
        finally:
            await producer.stop()

    asyncio.run(send_poison())
    pipeline.cli("replay", str(nul), "--wait")

    good = tmp_path / "good.txt"
    good.write_text("Lavrov ready for talks\n\nPublished: 2022-03-01\n\n"
                    "Sergey Lavrov said Moscow is ready for dialogue with NATO.\n")
    pipeline.cli("replay", str(good), "--wait")

    assert pipeline.worker is not None and pipeline.worker.poll() is None, pipeline.worker_log()[-3000:]
    history = json.loads(pipeline.cli("history", "--format", "json").stdout)
    actors = {r["actor_id"] for r in history}
    assert {"lavrov", "ryabkov"} <= actors
    assert any("\ufffd" in (r["evidence"] or "") for r in history if r["actor_id"] == "grushko")
    ryabkov = [r for r in history if r["actor_id"] == "ryabkov"]
    assert [r["stance"] for r in sorted(ryabkov, key=lambda r: r["version"])] == ["oppose", "support"]
    stages = {(x["stage"], x["source_topic"]) for x in json.loads(pipeline.cli("deadletter", "list", "--format",
                                                                                "json").stdout)}
    assert {("extract", topics.articles), ("version", topics.claims), ("project", topics.changes)} <= stages


def test_an_event_is_applied_only_from_the_topic_that_owns_its_type(make_pipeline: Callable[[], Pipeline],
                                                                   tmp_path: Path) -> None:
    pipeline = make_pipeline()
    topics = pipeline.settings.topics
    stray = _claim_from_2001()  # a valid ClaimExtracted, Ryabkov's, sent where claim changes belong

    async def send_stray() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topics.changes, key=b"ryabkov|dialogue", value=stray)
        finally:
            await producer.stop()

    asyncio.run(send_stray())
    good = tmp_path / "good.txt"
    good.write_text("Lavrov ready for talks\n\nPublished: 2022-03-01\n\n"
                    "Sergey Lavrov said Moscow is ready for dialogue with NATO.\n")
    pipeline.cli("replay", str(good), "--wait")

    async def projected_claims() -> set[str]:
        conn = await asyncpg.connect(pipeline.database_url)
        try:
            return {r["actor_id"] for r in await conn.fetch("SELECT actor_id FROM claims")}
        finally:
            await conn.close()

    assert asyncio.run(projected_claims()) == {"lavrov"}  # the stray claim was not applied
    letters = json.loads(pipeline.cli("deadletter", "list", "--format", "json").stdout)
    assert any(x["stage"] == "project" and x["source_topic"] == topics.changes
               and "ClaimExtracted on" in x["reason"] for x in letters)
