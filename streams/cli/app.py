"""The typer application, its shared options, and the helpers every command uses."""

import asyncio
import os
import sys
import traceback
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import click
import typer
from pydantic import ValidationError
from rich.console import Console

from schemas.events import TRACKED_TOPICS
from streams.clients.reach import Unreachable, require_broker, require_database
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


SERVE_HOST, SERVE_PORT = "127.0.0.1", 8000  # where `claimtrack serve` listens unless told
PAGE_ADDRESS = f"http://{SERVE_HOST}:{SERVE_PORT}/"


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"claimtrack: error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    return Settings()


def _address(given: str | None, home: Path, process: str, what: str, variable: str) -> str:
    """A configured address, else that of the local stack's ``process`` if it runs."""
    if given:
        return given
    state = localstack.read_state(home)
    running = state.kafka_bootstrap if process == "kafka" else state.database_url
    if running and localstack.alive(state.pids.get(process, -1)):
        return running
    raise fail(f"no {what}: set {variable}, or run `claimtrack up` for the local stack", 1)


def broker_address(s: Settings, must_answer: bool = True) -> str:
    """The broker to use: the configured one, else the running local stack's; it must
    answer now unless ``must_answer`` is False (a server that reads it later, and says
    then when it does not)."""
    bootstrap = _address(s.kafka_bootstrap, s.home, "kafka", "Kafka broker", "CLAIMTRACK_KAFKA_BOOTSTRAP")
    if must_answer:
        asyncio.run(require_broker(bootstrap))
    return bootstrap


def database_address(s: Settings) -> str:
    """The database to use: the configured one, else the running local stack's; it must answer."""
    database = _address(s.database_url, s.home, "postgres", "PostgreSQL database", "CLAIMTRACK_DATABASE_URL")
    asyncio.run(require_database(database))
    return database


def addresses(s: Settings) -> tuple[str, str]:
    """The broker and the database, for commands that need both."""
    return broker_address(s), database_address(s)


def settings_error(exc: ValidationError) -> str:
    """A settings error in one line, named by its environment variable."""
    first = exc.errors()[0]
    name = "CLAIMTRACK_" + "_".join(str(p) for p in first["loc"]).upper()
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{name}={first.get('input')!s:.60}: {first['msg']}{more}"


LONG_RUNNING = {"worker", "project", "subscribe"}


@app.callback()
def _logging(ctx: typer.Context) -> None:
    """Structured logs go to standard error; standard output is for results."""
    configure_logging(settings().log_level, long_running=ctx.invoked_subcommand in LONG_RUNNING)


def _one_line(message: str, code: int) -> NoReturn:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    err.print(f"claimtrack: error: {first}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def main() -> None:
    """Entry point: every failure is one line on stderr; exit status 2 for usage, 1 for the rest."""
    try:
        code = app(standalone_mode=False)  # returns the exit code of typer.Exit
    except click.UsageError as exc:
        _one_line(exc.format_message(), 2)
    except ValidationError as exc:  # from Settings(): a bad CLAIMTRACK_* variable
        _one_line(settings_error(exc), 2)
    except Unreachable as exc:
        _one_line(str(exc), 1)
    except click.exceptions.Abort:
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get("CLAIMTRACK_LOG_LEVEL", "").lower() == "debug":
            traceback.print_exc()
        _one_line(f"{type(exc).__name__}: {exc} (CLAIMTRACK_LOG_LEVEL=debug shows where)", 1)
    sys.exit(code if isinstance(code, int) else 0)
