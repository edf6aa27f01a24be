"""A projection built beside the live one and swapped in at the end: a rebuild that
fails half way leaves the live projection as it was, and readers see the old one
until the new one is whole.

The shadow is a schema of its own; the migrations create their objects wherever the
connection's search path points, so the same migrations build it. The swap moves
every object into ``public`` in one transaction, after dropping the live objects of
the same names (no CASCADE: a view of the user's own on the projection makes the
swap fail and roll back, rather than disappear)."""

import asyncpg

SHADOW = "claimtrack_rebuild"
LIVE = "public"

# The reader role's grants (migration 0003) name the objects they grant on, so the
# moved objects get them again.
_REGRANT = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'claimtrack_reader') THEN
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO claimtrack_reader;
        GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO claimtrack_reader;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'claimtrack_reader grants not renewed: %', SQLERRM;
END
$$;
"""


async def enter_shadow(conn: asyncpg.Connection) -> None:
    """Start an empty shadow schema and point this connection's writes at it."""
    await conn.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
    await conn.execute(f"CREATE SCHEMA {SHADOW}")
    await conn.execute(f"SET search_path TO {SHADOW}")


async def _objects(conn: asyncpg.Connection, schema: str) -> tuple[list[str], list[str], list[str]]:
    """(views, functions with their signatures, tables) in ``schema``."""
    relations = await conn.fetch(
        "SELECT c.relname, c.relkind::text AS relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'p') ORDER BY c.relname", schema)
    functions = await conn.fetch(
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature"
        " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1", schema)
    views = [r["relname"] for r in relations if r["relkind"] == "v"]
    tables = [r["relname"] for r in relations if r["relkind"] != "v"]
    return views, [r["signature"] for r in functions], tables


async def swap_in_shadow(conn: asyncpg.Connection) -> None:
    """Replace the live projection with the shadow, in one transaction."""
    async with conn.transaction():
        views, functions, tables = await _objects(conn, SHADOW)
        for view in views:
            await conn.execute(f'DROP VIEW IF EXISTS {LIVE}."{view}"')
        for signature in functions:
            await conn.execute(f"DROP FUNCTION IF EXISTS {LIVE}.{signature}")
        if tables:
            await conn.execute(f"DROP TABLE IF EXISTS {', '.join(f'{LIVE}.{chr(34)}{t}{chr(34)}' for t in tables)}")
        for table in tables:
            await conn.execute(f'ALTER TABLE {SHADOW}."{table}" SET SCHEMA {LIVE}')
        for view in views:
            await conn.execute(f'ALTER VIEW {SHADOW}."{view}" SET SCHEMA {LIVE}')
        for signature in functions:
            await conn.execute(f"ALTER FUNCTION {SHADOW}.{signature} SET SCHEMA {LIVE}")
        await conn.execute(f"DROP SCHEMA {SHADOW}")
        await conn.execute(f"SET LOCAL search_path TO {LIVE}")
        await conn.execute(_REGRANT)
    await conn.execute("SET search_path TO DEFAULT")


async def leave_shadow(conn: asyncpg.Connection) -> None:
    """Drop a shadow that will not be swapped in (the rebuild failed)."""
    await conn.execute("SET search_path TO DEFAULT")
    await conn.execute(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE")
