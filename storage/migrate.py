"""Versioned SQL migrations, applied in order, each once."""

from importlib import resources

import asyncpg

_LOCK_KEY = 7_411_239  # advisory lock: two workers starting together migrate once


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def migrate(conn: asyncpg.Connection) -> list[str]:
    """Apply the migrations this database lacks, in one transaction; returns the names applied.

    The lock is the transaction's: it goes with a commit, a rollback or a lost
    connection, so a server restarting mid-migration leaves nothing held or half done.
    It is the database's own, while roles belong to the whole server: two databases of
    one server migrating at once can both find the reader role missing and both create
    it. The one that loses rolls back and migrates again, finding the role there."""
    for attempt in range(3):
        try:
            return await _migrate_once(conn)
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _migrate_once(conn: asyncpg.Connection) -> list[str]:
    applied: list[str] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, name, sql in migration_files():
            if version in done:
                continue
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
            applied.append(name)
    return applied


async def migrate_database(database_url: str) -> list[str]:
    """Connect, migrate, disconnect: ``migrate`` for callers without a connection."""
    conn = await asyncpg.connect(database_url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


async def drop_projection(conn: asyncpg.Connection) -> None:
    """Drop every projection table, so the next migrate and replay rebuild them from the log."""
    async with conn.transaction():
        await conn.execute("DROP VIEW IF EXISTS current_positions, position_history")
        await conn.execute("DROP FUNCTION IF EXISTS position_as_of(date, timestamptz), "
                           "position_history_known_at(timestamptz)")
        await conn.execute(
            "DROP TABLE IF EXISTS position_versions, claims, actors, articles, projection_offsets, schema_migrations"
        )
