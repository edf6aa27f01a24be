"""Read-side queries over the projection: position histories, current positions,
and the bitemporal questions "valid on D" and "as believed at T"."""

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg


@dataclass(frozen=True)
class VersionRow:
    actor_id: str
    actor_name: str
    side: str
    topic: str
    version: int
    stance: str
    previous_stance: str | None
    valid_from: date
    valid_to: date | None
    reports: int
    recorded_from: datetime
    recorded_to: datetime | None
    statement_ids: list[str]
    evidence: str | None  # the earliest report of the version's first statement


_COLUMNS = """
    p.actor_id, a.name AS actor_name, a.side, p.topic, p.version, p.stance, p.previous_stance,
    p.valid_from, p.valid_to, p.reports, p.recorded_from, p.recorded_to, p.statement_ids,
    (SELECT c.evidence FROM claims c
     WHERE c.actor_id = p.actor_id AND c.topic = p.topic AND c.statement_id = p.statement_ids[1]
     ORDER BY c.published_at, c.article_id LIMIT 1) AS evidence
"""
_FILTER = "($1::text IS NULL OR p.actor_id = $1) AND ($2::text IS NULL OR p.topic = $2)"
_ORDER = "ORDER BY p.actor_id, p.topic, p.version"


async def history(
    conn: asyncpg.Connection,
    actor_id: str | None = None,
    topic: str | None = None,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[VersionRow]:
    """Versions as believed now, or at ``known_at``; only the one valid on ``as_of`` if given."""
    # As now believed, the open rows, which an index of their own finds (the functions'
    # "recorded_to IS NULL OR recorded_to > known_at" would read the closed ones too).
    source, where = "position_versions", " AND p.recorded_to IS NULL"
    extra: list[object] = []
    if known_at is not None:
        source, where, extra = "position_history_known_at($3::timestamptz)", "", [known_at]
    if as_of is not None:
        extra.append(as_of)
        n = len(extra) + 2
        where += f" AND p.valid_from <= ${n}::date AND (p.valid_to IS NULL OR p.valid_to > ${n}::date)"
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM {source} p JOIN actors a USING (actor_id) WHERE {_FILTER}{where} {_ORDER}",
        actor_id, topic, *extra,
    )
    return [VersionRow(**dict(r)) for r in records]


async def current_positions(conn: asyncpg.Connection) -> list[VersionRow]:
    """Each actor's latest version on each topic."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM position_versions p JOIN actors a USING (actor_id)"
        f" WHERE p.recorded_to IS NULL AND p.valid_to IS NULL {_ORDER}"
    )
    return [VersionRow(**dict(r)) for r in records]


async def known_actors(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    return [(r["actor_id"], r["name"]) for r in await conn.fetch("SELECT actor_id, name FROM actors ORDER BY actor_id")]


async def undated(conn: asyncpg.Connection) -> tuple[int, int]:
    """(articles, claims) with no known publication date: kept, but outside every history."""
    articles = await conn.fetchval("SELECT count(*) FROM articles WHERE published_at IS NULL")
    claims = await conn.fetchval("SELECT count(*) FROM claims WHERE published_at IS NULL")
    return int(articles), int(claims)
