"""Hostile corpora and events, against the real broker and database: implausible dates,
articles at and over the size limit, broken metadata, rows PostgreSQL refuses, and a
broker that goes away. Each time the worker lives on (or, for the broker, stops with
one clear line) and a good article replayed after the bad ones is projected."""

import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from schemas import Article, ArticlePublished, PositionChanged, encode_event
from schemas.ids import article_id_for
from storage.databases import create_database
from streams.core.handlers import claim_events, position_events
from streams.core.versioning import apply_claim
from streams.devstack import stack as localstack
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC)
STATEMENT = "Sergei Ryabkov said that Moscow is open to talks with NATO."


def _published(day: date, text: str = STATEMENT) -> ArticlePublished:
    article = Article(article_id=article_id_for(text + day.isoformat()), source="hostile.txt", title="", text=text,
                      body_start=0, published_at=day, date_source="text")
    return ArticlePublished.create(article, occurred_at=None, produced_at=NOW)


def _change(**update: object) -> bytes:
    claim = claim_events(_published(date(2022, 1, 5)), NOW)[0]
    changed = position_events(apply_claim(None, claim.data), NOW)[0]
    assert isinstance(changed, PositionChanged)
    return encode_event(changed.model_copy(update={"data": changed.data.model_copy(update=update)}))


def _hostile_events(topics: object) -> list[tuple[str, bytes]]:
    far_claim = claim_events(_published(date(2022, 1, 5)), NOW)[0]
    far_claim = far_claim.model_copy(update={"data": far_claim.data.model_copy(update={"published_at":
                                                                                         date(9999, 12, 31)})})
    return [
        (topics.articles, encode_event(_published(date(1, 1, 1)))),  # type: ignore[attr-defined]
        (topics.claims, encode_event(far_claim)),  # type: ignore[attr-defined]
        (topics.changes, _change(version=2**40)),  # type: ignore[attr-defined]  # over PostgreSQL's integer
        # An id too long to index (random, so compression cannot shrink it under the limit).
        (topics.changes, _change(actor_id=secrets.token_hex(6000))),  # type: ignore[attr-defined]
    ]


def _corpus(root: Path) -> Path:
    root.mkdir()
    (root / "good.txt").write_text(f"Ryabkov on talks\n\nPublished: 2022-01-10\n\n{STATEMENT}\n")
    filler = "Delegations met in Geneva and the weather was mild that week. " * 22_000
    (root / "big.txt").write_text(f"A long record of talks\n\nPublished: 2022-01-11\n\n"
                                  f"Alexander Grushko said that Moscow is ready for dialogue with NATO.\n{filler}\n")
    (root / "huge.txt").write_text("A record too long to send\n\nPublished: 2022-01-12\n\n" + filler * 2)
    (root / "typed.txt").write_text(f"Typed wrong\n\n{STATEMENT}\n")
    (root / "manifest.toml").write_text('["typed.txt"]\npublished_at = "last spring"\n')
    rows = [{"text": f"Year one\n\n{STATEMENT}", "published_at": "0001-01-01"},
            {"text": f"Year 9999\n\n{STATEMENT}", "published_at": "9999-12-31"}]
    (root / "dates.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return root


def test_hostile_corpus_and_events_stop_nothing(make_pipeline: Callable[[], Pipeline], tmp_path: Path) -> None:
    pipeline = make_pipeline()
    topics = pipeline.settings.topics
    corpus = _corpus(tmp_path / "corpus")

    replayed = pipeline.cli("replay", str(corpus), "--wait", check=False)
    assert replayed.returncode == 1, replayed.stderr
    refused = [line for line in replayed.stderr.splitlines() if line.startswith("refused ")]
    assert len(refused) == 4, replayed.stderr
    assert any(f"{corpus / 'huge.txt'}: article event of " in r and "exceeds the limit of 2000000" in r
               for r in refused)
    assert any(f"{corpus / 'typed.txt'}: manifest entry: published_at" in r for r in refused)
    assert any("0001-01-01 is outside 1900-01-01.." in r for r in refused)
    assert any("9999-12-31 is outside" in r for r in refused)
    assert f"{corpus / 'dates.jsonl'}: sent 0, refused 2" in replayed.stderr
    assert f"{corpus / 'big.txt'}: sent 1, refused 0" in replayed.stderr
    assert "replayed 2 articles" in replayed.stdout

    async def send(events: list[tuple[str, bytes]]) -> None:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.bootstrap)
        await producer.start()
        try:
            for topic, value in events:
                await producer.send_and_wait(topic, key=b"hostile", value=value)
        finally:
            await producer.stop()

    asyncio.run(send(_hostile_events(topics)))
    later = tmp_path / "later.txt"
    later.write_text("Lavrov ready for talks\n\nPublished: 2022-03-01\n\n"
                     "Sergey Lavrov said Moscow is ready for dialogue with NATO.\n")
    pipeline.cli("replay", str(later), "--wait")

    assert pipeline.worker is not None and pipeline.worker.poll() is None, pipeline.worker_log()[-3000:]
    actors = {r["actor_id"] for r in json.loads(pipeline.cli("history", "--format", "json").stdout)}
    assert {"ryabkov", "grushko", "lavrov"} <= actors  # grushko: from the 1.4 MB article
    assert max(len(a) for a in actors) < 100

    async def extremes() -> tuple[date | None, date | None, int]:
        conn = await asyncpg.connect(pipeline.database_url)
        try:
            row = await conn.fetchrow("SELECT min(published_at) AS lo, max(published_at) AS hi FROM articles")
            longest = await conn.fetchval("SELECT max(length(body)) FROM articles")
            return row["lo"], row["hi"], longest
        finally:
            await conn.close()

    lo, hi, longest = asyncio.run(extremes())
    assert lo is not None and hi is not None and lo.year >= 2022 and hi.year <= 2022
    assert longest > 1_000_000
    letters = json.loads(pipeline.cli("deadletter", "list", "--format", "json").stdout)
    reasons = {(x["stage"], x["source_topic"]): x["reason"] for x in letters}
    assert "0001-01-01 is outside" in reasons[("extract", topics.articles)]
    assert "9999-12-31 is outside" in reasons[("version", topics.claims)]
    refused_rows = [x["reason"] for x in letters if x["stage"] == "project" and x["source_topic"] == topics.changes]
    assert len(refused_rows) == 2 and all(r.startswith("PostgreSQL refused it: ") for r in refused_rows)


def test_a_worker_that_loses_its_broker_backs_off_then_stops_with_one_clear_line(postgres_server: str, repo: Path,
                                                                                tmp_path: Path) -> None:
    broker, pid = localstack.start_broker(tmp_path / "broker")
    database = asyncio.run(create_database(postgres_server, "ct_giveup"))
    env = {"CLAIMTRACK_KAFKA_BOOTSTRAP": broker, "CLAIMTRACK_DATABASE_URL": database, "CLAIMTRACK_HOME": str(tmp_path),
           "CLAIMTRACK_TOPIC_PREFIX": "giveup", "CLAIMTRACK_APP_ID": "giveup", "CLAIMTRACK_BROKER_GIVE_UP": "8"}
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "streams", "worker"], cwd=repo, env={**os.environ, **env},
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "projector started" not in log_path.read_text(errors="replace"):
            assert worker.poll() is None and time.monotonic() < deadline, log_path.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        before = len(log_path.read_text(errors="replace").splitlines())
        lost_at = time.monotonic()
        localstack.stop_pid(pid)
        code = worker.wait(timeout=120)
        waited = time.monotonic() - lost_at
    finally:
        if worker.poll() is None:
            worker.kill()
        localstack.stop_pid(pid)
    text = log_path.read_text(errors="replace")
    assert code == 1, text[-3000:]
    assert "has not answered for 8s (CLAIMTRACK_BROKER_GIVE_UP)" in text
    assert waited >= 8
    # Retries and their lines are bounded: at most a few lines a second while it waited.
    lines_while_lost = len(text.splitlines()) - before
    assert lines_while_lost < 10 * waited, f"{lines_while_lost} lines in {waited:.0f}s"
