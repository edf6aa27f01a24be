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

from schemas.events import ArticlePublished, ClaimExtracted, Envelope, PositionChanged


@dataclass(frozen=True)
class LogRecord:
    """An event and where it sits in the log."""

    topic: str
    partition: int
    offset: int
    timestamp: datetime  # the log's timestamp of the message: the transaction time
    event: Envelope | None  # None: undecodable, skipped but counted in the offsets


async def load_offsets(conn: asyncpg.Connection) -> dict[tuple[str, int], int]:
    rows = await conn.fetch("SELECT topic, partition, next_offset FROM projection_offsets")
    return {(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def _article(conn: asyncpg.Connection, rec: LogRecord, event: ArticlePublished) -> None:
    a = event.data
    await conn.execute(
        """INSERT INTO articles (article_id, source, title, outlet, url, published_at, date_source,
                                 body_start, body, event_id, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (article_id) DO NOTHING""",
        a.article_id, a.source, a.title, a.outlet, a.url, a.published_at, a.date_source,
        a.body_start, a.text, event.event_id, rec.timestamp,
    )


async def _claim(conn: asyncpg.Connection, rec: LogRecord, event: ClaimExtracted) -> None:
    c = event.data
    await conn.execute(
        "INSERT INTO actors (actor_id, name, side) VALUES ($1, $2, $3) ON CONFLICT (actor_id) DO NOTHING",
        c.actor_id, c.actor_name, c.side.value,
    )
    await conn.execute(
        """INSERT INTO claims (claim_id, article_id, actor_id, topic, stance, evidence, span_start, span_end,
                               evidence_spans, published_at, date_known, confidence, extractor_version,
                               event_id, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (claim_id) DO NOTHING""",
        c.claim_id, c.article_id, c.actor_id, c.topic.value, c.stance.value, c.evidence, c.span[0], c.span[1],
        json.dumps([s.model_dump(mode="json") for s in c.evidence_spans]), c.published_at, c.date_known,
        c.confidence, c.extractor_version, event.event_id, rec.timestamp,
    )


async def _position(conn: asyncpg.Connection, rec: LogRecord, event: PositionChanged) -> tuple[str, str]:
    v = event.data
    await conn.execute(
        "INSERT INTO actors (actor_id, name, side) VALUES ($1, $2, $3) ON CONFLICT (actor_id) DO NOTHING",
        v.actor_id, v.actor_name, v.side.value,
    )
    await conn.execute(
        """INSERT INTO position_versions (actor_id, topic, version, stance, previous_stance, valid_from,
                                          evidence_claim_ids, extractor_version, event_id, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (actor_id, topic, version) DO UPDATE SET
               stance = EXCLUDED.stance, previous_stance = EXCLUDED.previous_stance,
               valid_from = EXCLUDED.valid_from, evidence_claim_ids = EXCLUDED.evidence_claim_ids,
               extractor_version = EXCLUDED.extractor_version, event_id = EXCLUDED.event_id,
               recorded_at = EXCLUDED.recorded_at
           WHERE position_versions.event_id <> EXCLUDED.event_id""",
        v.actor_id, v.topic.value, v.version, v.stance.value,
        v.previous_stance.value if v.previous_stance else None, v.valid_from,
        [e.claim_id for e in v.evidence], v.extractor_version, event.event_id, rec.timestamp,
    )
    return v.actor_id, v.topic.value


async def apply_batch(conn: asyncpg.Connection, records: Sequence[LogRecord]) -> None:
    """Apply ``records`` and advance the offsets past them, all in one transaction."""
    if not records:
        return
    touched: set[tuple[str, str]] = set()
    next_offsets: dict[tuple[str, int], int] = {}
    async with conn.transaction():
        for rec in records:
            next_offsets[(rec.topic, rec.partition)] = max(next_offsets.get((rec.topic, rec.partition), 0),
                                                            rec.offset + 1)
            event = rec.event
            if isinstance(event, ArticlePublished):
                await _article(conn, rec, event)
            elif isinstance(event, ClaimExtracted):
                await _claim(conn, rec, event)
            elif isinstance(event, PositionChanged):
                touched.add(await _position(conn, rec, event))
        for actor_id, topic in touched:
            await conn.execute(
                """UPDATE position_versions p
                   SET valid_to = (SELECT n.valid_from FROM position_versions n
                                   WHERE n.actor_id = p.actor_id AND n.topic = p.topic AND n.version = p.version + 1)
                   WHERE p.actor_id = $1 AND p.topic = $2""",
                actor_id, topic,
            )
        await conn.executemany(
            """INSERT INTO projection_offsets (topic, partition, next_offset) VALUES ($1, $2, $3)
               ON CONFLICT (topic, partition) DO UPDATE
               SET next_offset = GREATEST(projection_offsets.next_offset, EXCLUDED.next_offset)""",
            [(t, p, o) for (t, p), o in next_offsets.items()],
        )
