"""Checksums of the projection, to prove two builds agree.

``valid_time_checksum`` covers the history as currently believed (versions,
stances, valid times, backing statements and report counts): equal for the same
articles in any arrival order. ``full_checksum`` adds transaction time and every
article and claim: equal only for the same log, as after a rebuild.
"""

import hashlib
import json

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
    h = hashlib.sha256()
    for name, query in _FULL.items():
        h.update(name.encode())
        _digest(await conn.fetch(query), h)
    return h.hexdigest()[:32]
