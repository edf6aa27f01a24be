"""Two databases of one PostgreSQL server migrated at once: roles belong to the server,
so both migrations may try to create the reader role; the one that loses migrates
again instead of stopping its worker."""

import asyncio
import shutil
import tempfile
from pathlib import Path

import asyncpg
import pytest

from storage.databases import create_database
from storage.migrate import migrate_database
from storage.readonly import READER_ROLE
from streams.devstack import stack as localstack

pytestmark = pytest.mark.integration


async def _migrate_while_another_creates_the_role(server: str) -> tuple[list[str], str]:
    first, second = [await create_database(server, name) for name in ("one", "two")]
    creator = await asyncpg.connect(first)
    try:
        transaction = creator.transaction()
        await transaction.start()
        await creator.execute(f"CREATE ROLE {READER_ROLE} NOLOGIN")  # not committed yet
        racing = asyncio.create_task(migrate_database(second))  # its CREATE ROLE waits on this one
        await asyncio.sleep(1.0)
        await transaction.commit()  # ... and then finds the role taken
        applied = await asyncio.wait_for(racing, 60)
    finally:
        await creator.close()
    conn = await asyncpg.connect(second)
    try:
        granted = await conn.fetchval("SELECT has_table_privilege($1, 'actors', 'SELECT')", READER_ROLE)
    finally:
        await conn.close()
    return applied, "granted" if granted else "not granted"


def test_a_migration_that_loses_the_race_for_the_reader_role_migrates_again() -> None:
    # A server of its own, where the role does not exist yet; under a directory the
    # cluster's unprivileged user can reach, which pytest's private ones are not.
    home = Path(tempfile.mkdtemp(prefix="claimtrack-pg-race-"))
    home.chmod(0o755)
    url, pid = localstack.start_postgres(home, fast=True)
    try:
        applied, granted = asyncio.run(_migrate_while_another_creates_the_role(url.rsplit("/", 1)[0]))
    finally:
        localstack.stop_pid(pid)
        shutil.rmtree(home, ignore_errors=True)
    assert applied and applied[0].startswith("0001") and granted == "granted"
