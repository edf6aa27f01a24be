"""The projector's advisory lock: one projector per database, and a rebuild that takes
the database from a running projector."""

import asyncpg

PROJECTOR_LOCK = 7_411_240


async def hold_projector_lock(conn: asyncpg.Connection) -> None:
    """Wait until this connection is the database's one projector."""
    await conn.execute("SELECT pg_advisory_lock($1)", PROJECTOR_LOCK)


async def take_projector_lock(conn: asyncpg.Connection) -> None:
    """Disconnect the projector that holds the lock, then hold it: its restart waits until
    this connection lets go."""
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND objid = $1 AND pid <> pg_backend_pid()", PROJECTOR_LOCK,
    )
    await hold_projector_lock(conn)


async def release_projector_lock(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", PROJECTOR_LOCK)
