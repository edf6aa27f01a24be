"""Connections for the query commands: read-only, under the least-privileged role."""

import asyncpg

READER_ROLE = "claimtrack_reader"


async def connect_readonly(url: str) -> asyncpg.Connection:
    """A connection that cannot write: the reader role where it exists, and read-only
    transactions in any case."""
    conn = await asyncpg.connect(url, server_settings={"default_transaction_read_only": "on"})
    if await conn.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')"
                           " FROM pg_roles WHERE rolname = $1", READER_ROLE):
        await conn.execute(f"SET ROLE {READER_ROLE}")  # a constant, not input
    return conn
