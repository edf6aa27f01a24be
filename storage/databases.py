"""Creating a projection database on a PostgreSQL server: for the tests and benchmarks,
which give every deployment a database of its own."""

import asyncpg


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_database(server: str, name: str) -> str:
    """Create database ``name`` on ``server`` (a URL without a database) and return its URL."""
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f"CREATE DATABASE {quote_identifier(name)}")
    finally:
        await conn.close()
    return f"{server}/{name}"
