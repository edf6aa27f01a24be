"""Query commands over the projection: history, positions, checksum, and rebuild."""

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
import typer

from storage import queries
from storage.readonly import connect_readonly
from streams.cli.app import OutputFormat, TopicName, addresses, app, database_address, fail, out, settings
from streams.cli.render import print_versions
from streams.core.extraction.registry import load_registry


def registered_actor(query: str) -> str | None:
    """The id of the registry's actor with this id, name or alias."""
    actor = load_registry().find(query)
    return actor.id if actor is not None else None


async def _resolve_actor(conn: asyncpg.Connection, query: str) -> str:
    actor_id = await queries.resolve_actor(conn, query, registered_actor)
    if actor_id is None:
        choices = ", ".join(a for a, _ in await queries.known_actors(conn)) or "none yet (replay a corpus first)"
        raise fail(f"unknown actor {query!r}; known actors: {choices}")
    return actor_id


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"--as-of takes a date like 2021-06-30, not {value!r}") from None


def _parse_timestamp(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(f"--known-at takes a timestamp like 2026-11-26T19:00:00+00:00, not {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command()
def history(
    actor: Annotated[str | None, typer.Option(help="Actor id, name or alias")] = None,
    topic: Annotated[TopicName | None, typer.Option(help="Topic")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only the version valid on this date")] = None,
    known_at: Annotated[str | None, typer.Option("--known-at", help="As the service believed it then")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
) -> None:
    """An actor's position history on a topic (all actors and topics when omitted)."""
    valid_on, believed_at = _parse_date(as_of), _parse_timestamp(known_at)
    database = database_address(settings())

    async def run() -> list[queries.VersionRow]:
        conn = await connect_readonly(database)
        try:
            actor_id = await _resolve_actor(conn, actor) if actor else None
            return await queries.history(conn, actor_id, topic.value if topic else None, valid_on, believed_at)
        finally:
            await conn.close()

    title = "position history" + (f" valid on {valid_on}" if valid_on else "") + (
        f" as known at {believed_at.isoformat()}" if believed_at else "")
    print_versions(asyncio.run(run()), format, title)


@app.command()
def checksum(
    full: Annotated[bool, typer.Option("--full", help="Include transaction time and every article and claim")] = False,
) -> None:
    """A checksum of the valid-time history (the same in any arrival order)."""
    from storage.checksum import full_checksum, valid_time_checksum

    database = database_address(settings())

    async def run() -> str:
        conn = await connect_readonly(database)
        try:
            return await (full_checksum(conn) if full else valid_time_checksum(conn))
        finally:
            await conn.close()

    print(asyncio.run(run()))


@app.command()
def rebuild() -> None:
    """Rebuild the projection from the log beside the live one, swap it in, and compare full checksums."""
    from streams.clients.admin import LogUnreadable
    from streams.clients.reach import Unreachable
    from streams.processors.runner import limits_of
    from streams.projector.service import Projector

    s = settings()
    try:
        bootstrap, database = addresses(s)
        done = asyncio.run(Projector(bootstrap, database, s.topics, limits=limits_of(s)).rebuild())
    except (LogUnreadable, Unreachable) as exc:
        raise fail(f"{exc}; nothing was dropped", 1) from None
    rate = done.events / done.seconds if done.seconds > 0 else 0.0
    out.print(f"rebuilt from {done.events} events in {done.seconds:.1f}s ({rate:,.0f} events/s)")
    out.print(f"full checksum before {done.before}")
    out.print(f"full checksum after  {done.after}")
    if done.before != done.after:
        raise fail("the rebuilt projection differs from the one it replaced", 1)


@app.command()
def positions(
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
) -> None:
    """Every actor's current position on each topic."""
    database = database_address(settings())

    async def run() -> list[queries.VersionRow]:
        conn = await connect_readonly(database)
        try:
            return await queries.current_positions(conn)
        finally:
            await conn.close()

    print_versions(asyncio.run(run()), format, "current positions")


