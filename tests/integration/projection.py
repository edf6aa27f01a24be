"""Helpers that read a projection database whole, for comparisons."""

import asyncpg

from storage.checksum import read_together

TABLES = {
    "articles": "article_id",
    "actors": "actor_id",
    "claims": "claim_id",
    "position_versions": "actor_id, topic, version, recorded_from, event_id",
    "projection_offsets": "topic, partition",
}


async def snapshot(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    conn = await asyncpg.connect(database_url)
    try:
        async with read_together(conn):  # a projector may commit between two tables' reads
            return {t: [tuple(r) for r in await conn.fetch(f"SELECT * FROM {t} ORDER BY {key}")]
                    for t, key in TABLES.items()}
    finally:
        await conn.close()
