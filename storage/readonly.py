"""Connections for the query commands: read-only, under the least-privileged role."""

import asyncpg

READER_ROLE = "claimtrack_reader"


async def connect_readonly(url: str) -> asyncpg.Connection:
    """A connection that cannot write: the reader role where it exists, and read-only
    transactions in any case."""
    conn = await asyncpg.connect(url, server_settings={"default_transaction_read_only": "on"})
    await _as_reader(conn)
    return conn


async def _as_reader(conn: asyncpg.Connection) -> None:
    if await conn.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')"
                           " FROM pg_roles WHERE rolname = $1", READER_ROLE):
        await conn.execute(f"SET ROLE {READER_ROLE}")  # a constant, not input


async def readonly_pool(url: str, max_size: int = 10) -> asyncpg.Pool:
    """A pool of connections like ``connect_readonly``'s. The role is a setting of each
    connection from its start, not a SET ROLE: the pool resets a released connection's
    settings to their values at its start, so the role stays and no acquire pays a
    round trip to set it again."""
    probe = await connect_readonly(url)
    try:
        as_reader = await probe.fetchval("SELECT current_user") == READER_ROLE
    finally:
        await probe.close()
    settings = {"default_transaction_read_only": "on", **({"role": READER_ROLE} if as_reader else {})}
    pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, server_settings=settings)
    assert pool is not None
    return pool
