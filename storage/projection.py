"""Applying events to the PostgreSQL projection, idempotently, with their offsets.

A batch of events and the offsets after them commit in one transaction: after a
crash the projector resumes from the stored offsets and nothing is applied twice.
Rows are keyed by the event's own ids, so re-applying an event changes nothing.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from schemas.events import (
    ArticlePublished,
    ClaimExtracted,
    Envelope,
    PositionChanged,
    PositionCorroborated,
    PositionEvent,
    PositionRevised,
    Stance,
)
from storage.fold import RowKey, Version, VersionRow, writes_for


@dataclass(frozen=True)
class LogRecord:
    """An event and where it sits in the log."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime  # the log's timestamp of the message: the transaction time
    event: Envelope | None  # None: undecodable, skipped but counted in the offsets


# What PostgreSQL refuses for a row's own sake (its data: a value out of range, a broken
# constraint, a key too long to index), not for the server's state: the event is at
# fault, and goes to the dead-letter topic instead of stopping the projection.
# The driver's own refusals of a value (an integer over a column's range, text it cannot
# encode) count too; they are ValueError, OverflowError and the like, raised before the
# server sees the row.
ROW_REFUSALS: tuple[type[BaseException], ...] = (
    asyncpg.DataError, asyncpg.IntegrityConstraintViolationError, asyncpg.ProgramLimitExceededError,
    ValueError, OverflowError, TypeError,
)


class RowRefused(Exception):
    """PostgreSQL refused the rows of ``record``; the batch was rolled back."""

    def __init__(self, record: LogRecord, reason: str) -> None:
        super().__init__(reason)
        self.record, self.reason = record, reason


async def load_offsets(conn: asyncpg.Connection) -> dict[tuple[str, int], int]:
    rows = await conn.fetch("SELECT topic, partition, next_offset FROM projection_offsets")
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


_ARTICLE = """INSERT INTO articles (article_id, source, title, outlet, url, published_at, date_source,
                                     body_start, body, event_id, recorded_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
               ON CONFLICT (article_id) DO NOTHING"""
_ACTOR = "INSERT INTO actors (actor_id, name, side) VALUES ($1, $2, $3) ON CONFLICT (actor_id) DO NOTHING"
_CLAIM = """INSERT INTO claims (claim_id, statement_id, article_id, actor_id, topic, stance, evidence, span_start,
                               span_end, evidence_spans, published_at, date_known, confidence, extractor_version,
                               event_id, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16)
           ON CONFLICT (claim_id) DO NOTHING"""


# Text arrives storable: decoding (``schemas.codec``) turns NUL and lone surrogates,
# which PostgreSQL refuses, into U+FFFD, one character for one.
def _article_row(rec: LogRecord, event: ArticlePublished) -> tuple[object, ...]:
    a = event.data
    return (a.article_id, a.source, a.title, a.outlet, a.url, a.published_at, a.date_source,
            a.body_start, a.text, event.event_id, rec.timestamp)


def _claim_rows(rec: LogRecord, event: ClaimExtracted) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The claim's actor row and its own row."""
    c = event.data
    actor = (c.actor_id, c.actor_name, c.side.value)
    claim = (c.claim_id, c.statement_id, c.article_id, c.actor_id, c.topic.value, c.stance.value, c.evidence,
             c.span[0], c.span[1], json.dumps([s.model_dump(mode="json") for s in c.evidence_spans]),
             c.published_at, c.date_known, c.confidence, c.extractor_version, event.event_id, rec.timestamp)
    return actor, claim


def _row_of(r: asyncpg.Record) -> VersionRow:
    previous = r["previous_stance"]
    data = Version(
        version=r["version"],
        stance=Stance(r["stance"]),
        previous_stance=Stance(previous) if previous is not None else None,
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        reports=r["reports"],
        statement_ids=tuple(r["statement_ids"]),
        extractor_version=r["extractor_version"],
    )
    return VersionRow(data, recorded_from=r["recorded_from"], recorded_to=r["recorded_to"], event_id=r["event_id"])


async def _open_rows(conn: asyncpg.Connection, actor_id: str, topic: str) -> list[VersionRow]:
    rows = await conn.fetch(
        "SELECT * FROM position_versions WHERE actor_id = $1 AND topic = $2 AND recorded_to IS NULL ORDER BY version",
        actor_id, topic,
    )
    return [_row_of(r) for r in rows]


async def _position(conn: asyncpg.Connection, event: PositionEvent) -> None:
    """Write what the fold (``storage.fold``) says the event does to the position's rows."""
    data = event.data
    actor_id, topic = data.actor_id, data.topic.value
    await conn.execute(
        "INSERT INTO actors (actor_id, name, side) VALUES ($1, $2, $3) ON CONFLICT (actor_id) DO NOTHING",
        actor_id, data.actor_name, data.side.value,
    )
    writes = writes_for(await _open_rows(conn, actor_id, topic), event)
    for row in writes.close:
        await conn.execute(
            "UPDATE position_versions SET recorded_to = $1 WHERE actor_id = $2 AND topic = $3 AND version = $4"
            " AND recorded_from = $5 AND event_id = $6",
            row.recorded_to, actor_id, topic, row.data.version, row.recorded_from, row.event_id,
        )
    for row in writes.insert:
        v = row.data
        await conn.execute(
            """INSERT INTO position_versions (actor_id, topic, version, stance, previous_stance, valid_from, valid_to,
                                              reports, statement_ids, extractor_version, recorded_from, event_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (actor_id, topic, version, recorded_from, event_id) DO NOTHING""",
            actor_id, topic, v.version, v.stance.value, v.previous_stance.value if v.previous_stance else None,
            v.valid_from, v.valid_to, v.reports, list(v.statement_ids), v.extractor_version,
            row.recorded_from, row.event_id,
        )


_INSERT_VERSIONS = """
    INSERT INTO position_versions (actor_id, topic, version, stance, previous_stance, valid_from, valid_to, reports,
                                   statement_ids, extractor_version, recorded_from, recorded_to, event_id)
    SELECT actor_id, topic, version, stance, previous_stance, valid_from, valid_to, reports,
           (SELECT array_agg(x) FROM jsonb_array_elements_text(statement_ids) x),
           extractor_version, recorded_from, recorded_to, event_id
    FROM jsonb_to_recordset($1::jsonb) AS r(actor_id text, topic text, version int, stance text,
         previous_stance text, valid_from date, valid_to date, reports int, statement_ids jsonb,
         extractor_version text, recorded_from timestamptz, recorded_to timestamptz, event_id text)
    ON CONFLICT (actor_id, topic, version, recorded_from, event_id) DO NOTHING
    RETURNING 1"""


class _Conflict(Exception):
    """A row the grouped fold meant to insert was already there: only the sequential
    path, which reads the table before each event, says what happens then."""


_SEQUENTIALLY: tuple[type[BaseException], ...] = (_Conflict, *ROW_REFUSALS)  # what sends a batch row by row


def _version_json(position: tuple[str, str], row: VersionRow) -> dict[str, object]:
    v = row.data
    return {"actor_id": position[0], "topic": position[1], "version": v.version, "stance": v.stance.value,
            "previous_stance": v.previous_stance.value if v.previous_stance else None,
            "valid_from": v.valid_from.isoformat(), "valid_to": v.valid_to.isoformat() if v.valid_to else None,
            "reports": v.reports, "statement_ids": list(v.statement_ids),
            "extractor_version": v.extractor_version, "recorded_from": row.recorded_from.isoformat(),
            "recorded_to": row.recorded_to.isoformat() if row.recorded_to else None, "event_id": row.event_id}


async def _positions_grouped(conn: asyncpg.Connection, events: Sequence[PositionEvent]) -> None:
    """The batch's position events folded in memory (``storage.fold.writes_for``, event by
    event, over the open rows read once per position), then written in two statements.
    A row inserted and closed within the batch is inserted closed. Raises _Conflict when
    a row to insert already exists, which the in-memory fold cannot know."""
    positions = list(dict.fromkeys((e.data.actor_id, e.data.topic.value) for e in events))
    await conn.executemany(_ACTOR, list(dict.fromkeys((e.data.actor_id, e.data.actor_name, e.data.side.value)
                                                      for e in events)))
    found = await conn.fetch(
        "SELECT * FROM position_versions WHERE recorded_to IS NULL AND (actor_id, topic) IN"
        " (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY version",
        [a for a, _ in positions], [t for _, t in positions])
    open_rows: dict[tuple[str, str], list[VersionRow]] = {p: [] for p in positions}
    for r in found:
        open_rows[(r["actor_id"], r["topic"])].append(_row_of(r))
    inserts: dict[tuple[tuple[str, str], RowKey], VersionRow] = {}
    closes: dict[tuple[tuple[str, str], RowKey], VersionRow] = {}
    for event in events:
        position = (event.data.actor_id, event.data.topic.value)
        writes = writes_for(open_rows[position], event)
        for row in writes.close:
            ident = (position, row.key)
            (inserts if ident in inserts else closes)[ident] = row
        for row in writes.insert:
            if (position, row.key) in inserts:
                raise _Conflict  # the table's ON CONFLICT would keep the first: leave it to SQL
            inserts[(position, row.key)] = row
        gone = {r.key for r in writes.close}
        open_rows[position] = sorted([*(r for r in open_rows[position] if r.key not in gone), *writes.insert],
                                     key=lambda r: r.data.version)
    if inserts:
        payload = json.dumps([_version_json(p, row) for (p, _), row in inserts.items()])
        if len(await conn.fetch(_INSERT_VERSIONS, payload)) != len(inserts):
            raise _Conflict
    if closes:
        await conn.executemany(
            "UPDATE position_versions SET recorded_to = $1 WHERE actor_id = $2 AND topic = $3 AND version = $4"
            " AND recorded_from = $5 AND event_id = $6",
            [(row.recorded_to, p[0], p[1], row.data.version, row.recorded_from, row.event_id)
             for (p, _), row in closes.items()])


async def _apply(conn: asyncpg.Connection, rec: LogRecord) -> None:
    event = rec.event
    if isinstance(event, ArticlePublished):
        await conn.execute(_ARTICLE, *_article_row(rec, event))
    elif isinstance(event, ClaimExtracted):
        actor, claim = _claim_rows(rec, event)
        await conn.execute(_ACTOR, *actor)
        await conn.execute(_CLAIM, *claim)
    elif isinstance(event, PositionChanged | PositionRevised | PositionCorroborated):
        await _position(conn, event)


async def _apply_grouped(conn: asyncpg.Connection, records: Sequence[LogRecord]) -> None:
    """The batch's articles and claims in one statement each (they are keyed by id and
    depend on nothing), then its position events one by one, in log order (each reads
    the rows the one before wrote)."""
    articles = [_article_row(r, r.event) for r in records if isinstance(r.event, ArticlePublished)]
    claims = [_claim_rows(r, r.event) for r in records if isinstance(r.event, ClaimExtracted)]
    if articles:
        await conn.executemany(_ARTICLE, articles)
    if claims:
        await conn.executemany(_ACTOR, list(dict.fromkeys(actor for actor, _ in claims)))  # first in log order
        await conn.executemany(_CLAIM, [claim for _, claim in claims])
    events = [r.event for r in records if isinstance(r.event, PositionChanged | PositionRevised | PositionCorroborated)]
    if events:
        await _positions_grouped(conn, events)


async def _store_offsets(conn: asyncpg.Connection, records: Sequence[LogRecord]) -> None:
    next_offsets: dict[tuple[str, int], int] = {}
    for rec in records:
        key = (rec.topic, rec.partition)
        next_offsets[key] = max(next_offsets.get(key, 0), rec.offset + 1)
    await conn.executemany(
        """INSERT INTO projection_offsets (topic, partition, next_offset) VALUES ($1, $2, $3)
           ON CONFLICT (topic, partition) DO UPDATE
           SET next_offset = GREATEST(projection_offsets.next_offset, EXCLUDED.next_offset)""",
        [(t, p, o) for (t, p), o in next_offsets.items()],
    )


async def apply_batch(conn: asyncpg.Connection, records: Sequence[LogRecord]) -> None:
    """Apply ``records`` and advance the offsets past them, all in one transaction; a
    record whose rows PostgreSQL refuses rolls it back and raises RowRefused.

    The batch is written grouped first; only when PostgreSQL refuses something is it
    written again record by record, to find which record it refused."""
    if not records:
        return
    try:
        async with conn.transaction():
            await _apply_grouped(conn, records)
            await _store_offsets(conn, records)
        return
    except _SEQUENTIALLY:
        pass
    async with conn.transaction():
        for rec in records:
            try:
                await _apply(conn, rec)
            except ROW_REFUSALS as exc:
                raise RowRefused(rec, f"PostgreSQL refused it: {type(exc).__name__}: {exc}") from exc
        await _store_offsets(conn, records)
