"""Checksums of the projection, to prove two builds agree.

``valid_time_checksum`` covers the history as currently believed (versions,
stances, valid times, backing statements and report counts): equal for the same
articles in any arrival order. ``full_checksum`` adds transaction time and every
article and claim: equal only for the same log, as after a rebuild.
"""

import contextlib
import hashlib
import json
from contextlib import AbstractAsyncContextManager

import asyncpg

_VALID_TIME = """
    SELECT actor_id, topic, version, stance, previous_stance, valid_from, valid_to, reports,
           (SELECT array_agg(s ORDER BY s) FROM unnest(statement_ids) s) AS statements
    FROM position_versions WHERE recorded_to IS NULL
    ORDER BY actor_id, topic, version
"""
_FULL = {
    "position_versions": "SELECT * FROM position_versions ORDER BY actor_id, topic, version, recorded_from, event_id",
    "claims": "SELECT * FROM claims ORDER BY claim_id",
    "articles": "SELECT * FROM articles ORDER BY article_id",
    "actors": "SELECT * FROM actors ORDER BY actor_id",
}


def _digest(rows: list[asyncpg.Record], h: "hashlib._Hash") -> None:
    for row in rows:
        h.update(json.dumps([str(v) for v in row.values()], ensure_ascii=False).encode())
        h.update(b"\n")


async def valid_time_checksum(conn: asyncpg.Connection) -> str:
    h = hashlib.sha256()
    _digest(await conn.fetch(_VALID_TIME), h)
    return h.hexdigest()[:32]


async def full_checksum(conn: asyncpg.Connection) -> str:
    """Read in one snapshot: tables read one after the other while a projector commits
    would mix two states of the projection (articles from before a batch, claims from after)."""
    h = hashlib.sha256()
    async with read_together(conn):
        for name, query in _FULL.items():
            h.update(name.encode())
            _digest(await conn.fetch(query), h)
    return h.hexdigest()[:32]


def read_together(conn: asyncpg.Connection) -> AbstractAsyncContextManager[object]:
    """One repeatable-read snapshot for the statements inside; within a transaction the
    caller already has one."""
    if conn.is_in_transaction():
        return contextlib.nullcontext()
    return conn.transaction(isolation="repeatable_read", readonly=True)
