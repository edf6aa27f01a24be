"""The HTTP API's pool reads as the reader role on every connection it hands out, the
second use of a connection as much as the first, and cannot write."""

import asyncio
import uuid

import asyncpg
import pytest

from storage.databases import create_database
from storage.migrate import migrate_database
from storage.readonly import READER_ROLE, readonly_pool

pytestmark = pytest.mark.integration


async def _roles_and_refusal(server: str) -> tuple[list[str], bool, type[BaseException] | None]:
    url = await create_database(server, f"ct_pool_{uuid.uuid4().hex[:10]}")
    await migrate_database(url)
    pool = await readonly_pool(url, max_size=1)  # one connection: every acquire reuses it
    try:
        roles = []
        for _ in range(3):
            async with pool.acquire() as conn:
                roles.append(await conn.fetchval("SELECT current_user"))
                await conn.execute("RESET ALL")  # what the pool does on release, done in use too
        async with pool.acquire() as conn:
            may_insert = await conn.fetchval("SELECT has_table_privilege(current_user, 'actors', 'INSERT')")
            try:
                await conn.execute("INSERT INTO actors (actor_id, name, side) VALUES ('x', 'X', 'nato')")
                refused = None
            except asyncpg.PostgresError as exc:
                refused = type(exc)
        return roles, may_insert, refused
    finally:
        await pool.close()


def test_every_acquire_reads_as_the_reader_role_and_a_write_is_refused(postgres_server: str) -> None:
    roles, may_insert, refused = asyncio.run(_roles_and_refusal(postgres_server))
    assert roles == [READER_ROLE] * 3
    assert may_insert is False and refused is not None
