"""The typer application, its shared options, and the helpers every command uses."""

import sys
from enum import StrEnum
from pathlib import Path

import click
import typer
from rich.console import Console

from schemas.events import TRACKED_TOPICS
from streams.config import Settings
from streams.devstack import stack as localstack
from streams.logs import configure as configure_logging

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn news coverage into a versioned record of who said what, and when it changed.")
# Piped output gets a fixed width instead of rich's 80 columns, so tables stay readable in logs.
out = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)
DEFAULT_SEEDS = Path("seeds")


# The CLI offers the tracked topics only, as the schemas define them.
TopicName = StrEnum("TopicName", {t.value: t.value for t in TRACKED_TOPICS})  # type: ignore[misc]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


class SubscribeFormat(StrEnum):
    text = "text"
    json = "json"


class ExtractFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"claimtrack: error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    return Settings()


def addresses(s: Settings) -> tuple[str, str]:
    """The broker and database to use: configured ones, else the running local stack."""
    state = localstack.read_state(s.home)
    bootstrap = s.kafka_bootstrap or (state.kafka_bootstrap if localstack.alive(state.pids.get("kafka", -1)) else None)
    database = s.database_url or (state.database_url if localstack.alive(state.pids.get("postgres", -1)) else None)
    if not bootstrap or not database:
        missing = "Kafka broker" if not bootstrap else "PostgreSQL database"
        raise fail(f"no {missing}: set CLAIMTRACK_KAFKA_BOOTSTRAP and CLAIMTRACK_DATABASE_URL, "
                   f"or run `claimtrack up` for the local stack")
    return bootstrap, database


@app.callback()
def _logging() -> None:
    """Structured logs go to standard error; standard output is for results."""
    configure_logging(settings().log_level)


def main() -> None:
    """Entry point: usage errors become one line and exit status 2."""
    try:
        code = app(standalone_mode=False)  # returns the exit code of typer.Exit
    except click.UsageError as exc:
        err.print(f"claimtrack: error: {exc.format_message()}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
