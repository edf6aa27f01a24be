"""Read-side queries over the projection: position histories and current positions."""

from dataclasses import dataclass
from datetime import date

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
    evidence_claim_ids: list[str]
    evidence: str | None


_SELECT = """
    SELECT p.actor_id, a.name AS actor_name, a.side, p.topic, p.version, p.stance, p.previous_stance,
           p.valid_from, p.valid_to, p.evidence_claim_ids,
           (SELECT c.evidence FROM claims c WHERE c.claim_id = p.evidence_claim_ids[1]) AS evidence
    FROM position_versions p JOIN actors a USING (actor_id)
"""


def _rows(records: list[asyncpg.Record]) -> list[VersionRow]:
    return [VersionRow(**dict(r)) for r in records]


async def history(conn: asyncpg.Connection, actor_id: str | None = None, topic: str | None = None) -> list[VersionRow]:
    """Every version, optionally of one actor and/or one topic, oldest first."""
    records = await conn.fetch(
        _SELECT + " WHERE ($1::text IS NULL OR p.actor_id = $1) AND ($2::text IS NULL OR p.topic = $2)"
        " ORDER BY p.actor_id, p.topic, p.version",
        actor_id, topic,
    )
    return _rows(records)


async def current_positions(conn: asyncpg.Connection) -> list[VersionRow]:
    """Each actor's latest version on each topic."""
    records = await conn.fetch(
        _SELECT + " WHERE p.valid_to IS NULL AND p.version = (SELECT max(version) FROM position_versions m"
        " WHERE m.actor_id = p.actor_id AND m.topic = p.topic) ORDER BY p.actor_id, p.topic"
    )
    return _rows(records)


async def known_actors(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    return [(r["actor_id"], r["name"]) for r in await conn.fetch("SELECT actor_id, name FROM actors ORDER BY actor_id")]


async def find_actor(conn: asyncpg.Connection, query: str) -> str | None:
    """An actor id from an id or a name, case-insensitively."""
    return await conn.fetchval(
        "SELECT actor_id FROM actors WHERE lower(actor_id) = lower($1) OR lower(name) = lower($1) LIMIT 1", query
    )


async def undated(conn: asyncpg.Connection) -> tuple[int, int]:
    """(articles, claims) with no known publication date: kept, but outside every history."""
    articles = await conn.fetchval("SELECT count(*) FROM articles WHERE published_at IS NULL")
    claims = await conn.fetchval("SELECT count(*) FROM claims WHERE published_at IS NULL")
    return int(articles), int(claims)


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = ("articles", "actors", "claims", "position_versions")
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables}  # names are literals above
