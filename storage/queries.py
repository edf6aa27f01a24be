"""Read-side queries over the projection: position histories, current positions,
and the bitemporal questions "valid on D" and "as believed at T"."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
    limit: int | None = None,
    offset: int = 0,
) -> list[VersionRow]:
    """Versions as believed now, or at ``known_at``; only the one valid on ``as_of`` if given;
    ``limit`` and ``offset`` page through them (None: all)."""
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
    n = len(extra) + 3
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM {source} p JOIN actors a USING (actor_id) WHERE {_FILTER}{where} {_ORDER}"
        f" LIMIT ${n}::bigint OFFSET ${n + 1}::bigint",
        actor_id, topic, *extra, limit, offset,
    )
    return [VersionRow(**dict(r)) for r in records]


async def current_positions(conn: asyncpg.Connection, limit: int | None = None, offset: int = 0) -> list[VersionRow]:
    """Each actor's latest version on each topic."""
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM position_versions p JOIN actors a USING (actor_id)"
        f" WHERE p.recorded_to IS NULL AND p.valid_to IS NULL {_ORDER} LIMIT $1::bigint OFFSET $2::bigint",
        limit, offset,
    )
    return [VersionRow(**dict(r)) for r in records]


async def known_actors(conn: asyncpg.Connection) -> list[tuple[str, str]]:
    return [(r["actor_id"], r["name"]) for r in await conn.fetch("SELECT actor_id, name FROM actors ORDER BY actor_id")]


@dataclass(frozen=True)
class Actor:
    actor_id: str
    name: str
    side: str


async def actors(conn: asyncpg.Connection) -> list[Actor]:
    return [Actor(**dict(r)) for r in await conn.fetch("SELECT actor_id, name, side FROM actors ORDER BY actor_id")]


async def actor(conn: asyncpg.Connection, actor_id: str) -> Actor | None:
    r = await conn.fetchrow("SELECT actor_id, name, side FROM actors WHERE actor_id = $1", actor_id)
    return Actor(**dict(r)) if r is not None else None


async def resolve_actor(conn: asyncpg.Connection, query: str,
                        registered: Callable[[str], str | None] = lambda _q: None) -> str | None:
    """The id of the actor ``query`` names: one the registry knows by id, name or alias
    (``registered``), else one in the projection by id or name, case-insensitively."""
    if (actor_id := registered(query)) is not None:
        return actor_id
    if "\x00" in query:
        return None  # PostgreSQL's text holds no NUL, so no actor is named with one
    return await conn.fetchval(
        "SELECT actor_id FROM actors WHERE lower(actor_id) = lower($1) OR lower(name) = lower($1)"
        " ORDER BY actor_id LIMIT 1", query.strip())


@dataclass(frozen=True)
class ClaimRow:
    claim_id: str
    statement_id: str
    article_id: str
    actor_id: str
    topic: str
    stance: str
    evidence: str
    span_start: int
    span_end: int
    evidence_spans: list[dict[str, Any]]
    published_at: date | None
    outlet: str | None
    source: str
    url: str | None
    confidence: float
    extractor_version: str


async def claims(conn: asyncpg.Connection, actor_id: str | None = None, topic: str | None = None,
                 published_from: date | None = None, published_to: date | None = None,
                 limit: int = 100, offset: int = 0, statement_ids: list[str] | None = None) -> list[ClaimRow]:
    """Claims with their evidence, by publication date then id; ``published_to`` is inclusive;
    ``statement_ids``: only the reports of these statements (a version's evidence)."""
    records = await conn.fetch(
        "SELECT c.claim_id, c.statement_id, c.article_id, c.actor_id, c.topic, c.stance, c.evidence,"
        " c.span_start, c.span_end, c.evidence_spans, c.published_at, a.outlet, a.source, a.url,"
        " c.confidence, c.extractor_version"
        " FROM claims c JOIN articles a USING (article_id)"
        " WHERE ($1::text IS NULL OR c.actor_id = $1) AND ($2::text IS NULL OR c.topic = $2)"
        " AND ($3::date IS NULL OR c.published_at >= $3) AND ($4::date IS NULL OR c.published_at <= $4)"
        " AND ($7::text[] IS NULL OR c.statement_id = ANY($7))"
        " ORDER BY c.published_at NULLS LAST, c.claim_id LIMIT $5 OFFSET $6",
        actor_id, topic, published_from, published_to, limit, offset, statement_ids)
    return [ClaimRow(**{**dict(r), "evidence_spans": json.loads(r["evidence_spans"])}) for r in records]


async def undated(conn: asyncpg.Connection) -> tuple[int, int]:
    """(articles, claims) with no known publication date: kept, but outside every history."""
    articles = await conn.fetchval("SELECT count(*) FROM articles WHERE published_at IS NULL")
    claims = await conn.fetchval("SELECT count(*) FROM claims WHERE published_at IS NULL")
    return int(articles), int(claims)


async def claim_count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM claims"))


@dataclass(frozen=True)
class ArticleRow:
    article_id: str
    source: str
    title: str
    outlet: str | None
    url: str | None
    published_at: date | None
    body: str


async def article(conn: asyncpg.Connection, article_id: str) -> ArticleRow | None:
    if "\x00" in article_id:
        return None  # PostgreSQL's text holds no NUL, so no id has one
    r = await conn.fetchrow("SELECT article_id, source, title, outlet, url, published_at, body FROM articles"
                            " WHERE article_id = $1", article_id)
    return ArticleRow(**dict(r)) if r is not None else None


async def projected_offsets(conn: asyncpg.Connection, topic: str) -> dict[int, int]:
    """The next offset the projection takes on each partition of ``topic``."""
    rows = await conn.fetch("SELECT partition, next_offset FROM projection_offsets WHERE topic = $1", topic)
    return {r["partition"]: r["next_offset"] for r in rows}
