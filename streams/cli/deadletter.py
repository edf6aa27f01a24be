"""Dead-letter commands: what was refused and why, and re-submitting it after a fix."""

import asyncio
import json
from typing import Annotated

import typer
from rich.table import Table

from streams.cli.app import OutputFormat, app, broker_address, err, out, settings

deadletter_app = typer.Typer(help="Events the stream processors refused, with their reasons.", no_args_is_help=True)
app.add_typer(deadletter_app, name="deadletter")


@deadletter_app.command("list")
def deadletter_list(
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
) -> None:
    """Show every dead letter: where it came from and why it was refused."""
    from streams.clients.deadletters import read_letters

    s = settings()
    bootstrap = broker_address(s)
    letters = asyncio.run(read_letters(bootstrap, s.topics.deadletter))
    if format is OutputFormat.json:
        print(json.dumps([letter.model_dump(mode="json") for _, _, letter in letters], indent=2))
        return
    table = Table("offset", "stage", "source", "reason", "bytes", title=f"dead letters in {s.topics.deadletter}")
    for tp, offset, letter in letters:
        table.add_row(f"{tp.partition}:{offset}", letter.stage,
                      f"{letter.source_topic}[{letter.partition}]@{letter.offset}", letter.reason,
                      str(letter.value_bytes if letter.value_bytes is not None else len(letter.original_value())))
    out.print(table)


@deadletter_app.command("replay")
def deadletter_replay(
    group: Annotated[str, typer.Option(help="Consumer group that remembers what was re-submitted")] = (
        "claimtrack-deadletter-replay"),
) -> None:
    """Re-submit the dead letters not re-submitted yet to their source topics (after a fix)."""
    from streams.clients.deadletters import replay_letters

    s = settings()
    bootstrap = broker_address(s)
    sent = asyncio.run(replay_letters(
        bootstrap, s.topics.deadletter, group,
        lambda letter: err.print(f"re-submitted {letter.source_topic}[{letter.partition}]@{letter.offset}",
                                 markup=False, highlight=False)))
    out.print(f"re-submitted {sent} dead letter(s)")


