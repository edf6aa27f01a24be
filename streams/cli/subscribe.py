"""The subscribe command: claim-change events as they happen."""

import asyncio
import contextlib
import socket
from typing import Annotated

import typer

from streams.cli.app import SubscribeFormat, TopicName, app, broker_address, settings
from streams.core.extraction.registry import load_registry


@app.command()
def subscribe(
    actor: Annotated[str | None, typer.Option(help="Only this actor (id, name or alias)")] = None,
    topic: Annotated[TopicName | None, typer.Option(help="Only this topic")] = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning", help="Start a new subscriber at the "
                                                 "start of the log")] = False,
    format: Annotated[SubscribeFormat, typer.Option("--format", help="Output format")] = SubscribeFormat.text,
    group: Annotated[str, typer.Option(help="Consumer group: its offsets survive restarts")] = "claimtrack-subscriber",
    idle_timeout: Annotated[float | None, typer.Option(help="Stop after this many seconds without events")] = None,
    instance: Annotated[str | None, typer.Option(help="Static group member id, so a killed subscriber's "
                                                 "restart takes its place at once [default: group@host]")] = None,
) -> None:
    """Print claim-change events as they happen, resuming after a restart."""
    from streams.clients.subscriber import subscribe as run_subscriber

    s = settings()
    bootstrap = broker_address(s)
    actor_id = None
    if actor:
        registered = load_registry().find(actor)
        actor_id = registered.id if registered else actor.strip().lower()

    def write(line: str) -> None:
        print(line, flush=True)

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a person stops it
        asyncio.run(run_subscriber(bootstrap, s.topics.changes, group, write, actor_id,
                                   topic.value if topic else None, from_beginning,
                                   format is SubscribeFormat.json, idle_timeout,
                                   instance or f"{group}@{socket.gethostname()}", s.topics.deadletter))


