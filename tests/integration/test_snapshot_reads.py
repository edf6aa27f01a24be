"""Reading a projection while a projector commits: the checksums and the tests' snapshots
read every table in one snapshot, or they would mix two states of it."""

import asyncio
import uuid

import asyncpg
import pytest

from storage.checksum import read_together
from storage.databases import create_database
from storage.migrate import migrate_database

pytestmark = pytest.mark.integration


async def _counts_around_a_commit(server: str) -> tuple[int, int, int]:
    url = await create_database(server, f"ct_snap_{uuid.uuid4().hex[:10]}")
    await migrate_database(url)
    reader, writer = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        async with read_together(reader):
            before = await reader.fetchval("SELECT count(*) FROM actors")
            await writer.execute("INSERT INTO actors (actor_id, name, side) VALUES ('a', 'A', 'nato')")
            inside = await reader.fetchval("SELECT count(*) FROM actors")
        after = await reader.fetchval("SELECT count(*) FROM actors")
        return before, inside, after
    finally:
        await reader.close()
        await writer.close()


def test_a_commit_during_a_read_together_is_not_seen_until_it_ends(postgres_server: str) -> None:
    assert asyncio.run(_counts_around_a_commit(postgres_server)) == (0, 0, 1)
