"""The projector writes what the pure fold (storage/fold.py) says: the rows it leaves
in PostgreSQL, closed ones and transaction times included, are the fold's."""

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from schemas import Claim
from schemas.events import PositionEvent
from storage.databases import create_database
from storage.fold import VersionRow, fold
from storage.migrate import migrate_database
from storage.projection import LogRecord, apply_batch
from streams.core.handlers import position_events
from streams.core.versioning import Position, apply_claim

pytestmark = pytest.mark.integration

ACTORS = [("grushko", "Grushko", "russia"), ("stoltenberg", "Stoltenberg", "nato")]
LOG_START = datetime(2024, 1, 1, tzinfo=UTC)

Row = tuple[object, ...]


def _claims(rnd: random.Random, count: int) -> list[Claim]:
    claims = []
    for i in range(count):
        actor_id, name, side = rnd.choice(ACTORS)
        stance = rnd.choice(["support", "conditional", "oppose"])
        # Few days and statements, so reports move statements between runs and revise the past.
        claims.append(Claim(
            claim_id=f"c-{i}", article_id=f"a-{i}", source=f"{i}.txt", outlet="Wire", actor_id=actor_id,
            actor_name=name, side=side, topic=rnd.choice(["dialogue", "de_escalation"]), stance=stance,
            evidence=f"quote {i}", span=(0, 7), evidence_spans=(), statement_id=f"s-{rnd.randrange(4)}-{stance}",
            published_at=date(2020, 1, 1) + timedelta(days=10 * rnd.randrange(13)), date_known=True,
            confidence=0.8, extractor_version=rnd.choice(["x1", "x2"])))
    return claims


def _log(claims: list[Claim], rnd: random.Random) -> list[PositionEvent]:
    """The agent's events for ``claims``; some sent twice, as after a crash before the input's commit."""
    positions: dict[tuple[str, str], Position | None] = {}
    events: list[PositionEvent] = []
    for n, c in enumerate(claims):
        key = (c.actor_id, c.topic.value)
        outcome = apply_claim(positions.get(key), c)
        positions[key] = outcome.position
        sent = position_events(outcome, LOG_START + timedelta(seconds=n // 2))  # claims may share a log time
        events += sent + (sent if rnd.random() < 0.1 else [])
    return events


def _folded(events: list[PositionEvent]) -> list[Row]:
    tables: dict[tuple[str, str], tuple[VersionRow, ...]] = {}
    for e in events:
        key = (e.data.actor_id, e.data.topic.value)
        tables[key] = fold(tables.get(key, ()), e)
    return sorted(
        ((actor, topic, r.data.version, r.data.stance.value,
          r.data.previous_stance.value if r.data.previous_stance else None, r.data.valid_from, r.data.valid_to,
          r.data.reports, list(r.data.statement_ids), r.data.extractor_version,
          r.recorded_from, r.recorded_to, r.event_id)
         for (actor, topic), rows in tables.items() for r in rows),
        key=lambda row: (row[0], row[1], row[2], row[10], row[12]),
    )


async def _projected(server: str, events: list[PositionEvent], rnd: random.Random) -> list[Row]:
    url = await create_database(server, f"ct_fold_{uuid.uuid4().hex[:10]}")
    await migrate_database(url)
    records = [LogRecord("changes", 0, i, e.produced_at, e) for i, e in enumerate(events)]
    conn = await asyncpg.connect(url)
    try:
        while records:  # batches of any size: later events read rows written earlier in the transaction
            size = rnd.randrange(1, 8)
            await apply_batch(conn, records[:size])
            records = records[size:]
        rows = await conn.fetch("SELECT actor_id, topic, version, stance, previous_stance, valid_from, valid_to,"
                                " reports, statement_ids, extractor_version, recorded_from, recorded_to,"
                                " event_id FROM position_versions"
                                " ORDER BY actor_id, topic, version, recorded_from, event_id")
        return [tuple(r) for r in rows]
    finally:
        await conn.close()


@pytest.mark.parametrize("seed", range(12))
def test_the_projector_leaves_the_rows_the_fold_says(postgres_server: str, seed: int) -> None:
    rnd = random.Random(seed)
    claims = _claims(rnd, rnd.randrange(10, 40))
    rnd.shuffle(claims)
    events = _log(claims, rnd)
    assert asyncio.run(_projected(postgres_server, events, rnd)) == _folded(events)


def test_a_row_that_is_already_there_takes_the_sequential_path_and_the_same_rows(postgres_server: str) -> None:
    """A late duplicate of an event whose row a later event closed at the same log time:
    the grouped write finds the row there already and the batch is written row by row."""
    rnd = random.Random(0)
    first, second = _claims(rnd, 2)
    second = second.model_copy(update={"actor_id": first.actor_id, "actor_name": first.actor_name,
                                       "side": first.side, "topic": first.topic, "stance": first.stance,
                                       "published_at": first.published_at})
    at = LOG_START
    opened = apply_claim(None, first)
    changed = position_events(opened, at)
    corroborated = position_events(apply_claim(opened.position, second), at)
    events = [*changed, *corroborated, *changed]
    for size in (1, 2, 3):  # apart, and together in one batch
        assert asyncio.run(_projected(postgres_server, events, _Sizes(size))) == _folded(events)


class _Sizes(random.Random):
    """Batches of one size, where ``_projected`` asks for a random one."""

    def __init__(self, size: int) -> None:
        super().__init__(0)
        self.size = size

    def randrange(self, *_: object) -> int:  # type: ignore[override]
        return self.size
