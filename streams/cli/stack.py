"""Commands for the local stack and the long-running processes: up, status, down, migrate,
worker, project, and the demo that strings them together."""

import asyncio
import os
import subprocess
import sys
from typing import Annotated

import asyncpg
import typer

from schemas.events import TRACKED_TOPICS
from storage import queries
from storage.migrate import migrate_database
from streams.cli.app import (
    DEFAULT_SEEDS,
    PAGE_ADDRESS,
    OutputFormat,
    addresses,
    app,
    database_address,
    err,
    fail,
    out,
    settings,
)
from streams.cli.render import print_versions
from streams.cli.replay import replay_corpus
from streams.clients.producer import Order
from streams.config import Settings
from streams.devstack import stack as localstack


@app.command()
def up() -> None:
    """Start the embedded broker and PostgreSQL (what is not configured) under CLAIMTRACK_HOME."""
    state = stack_up(settings())
    out.print(f"kafka    {state.kafka_bootstrap}")
    out.print(f"postgres {state.database_url}")


def stack_up(s: Settings) -> localstack.StackState:
    """The local stack for what is not configured, started if it is not running."""
    try:
        kind, note = localstack.choose_broker(s.broker) if not s.kafka_bootstrap else ("apache", None)
        if note and not localstack.alive(localstack.read_state(s.home).pids.get("kafka", -1)):
            err.print(f"note: {note}", markup=False, highlight=False)
        return localstack.up(s.home, s.kafka_bootstrap, s.database_url, kind)
    except localstack.StackError as exc:
        raise fail(str(exc), 1) from exc


@app.command()
def status() -> None:
    """Report the local stack's processes and addresses."""
    s = settings()
    state = localstack.read_state(s.home)
    if not state.pids and not s.configured:
        out.print(f"the local stack is not running (home: {s.home})")
        raise typer.Exit(1)
    for name, pid in sorted(state.pids.items()):
        out.print(f"{name:<9} pid {pid:<8} {'running' if localstack.alive(pid) else 'stopped'}")
    broker = "" if s.kafka_bootstrap else f" ({state.broker})" if state.broker else ""
    out.print(f"kafka     {s.kafka_bootstrap or state.kafka_bootstrap}{broker}")
    out.print(f"postgres  {s.database_url or state.database_url}")


@app.command()
def down() -> None:
    """Stop the worker and the local stack by the pids they recorded."""
    home = settings().home
    stopped = localstack.down(home)
    if not stopped:  # as pkill does: nothing matched is a failure the caller can test
        raise fail(f"nothing to stop: no local stack runs under {home}", 1)
    out.print("stopped: " + ", ".join(stopped))


@app.command()
def migrate() -> None:
    """Apply the projection's SQL migrations."""
    database = database_address(settings())
    applied = asyncio.run(migrate_database(database))
    out.print("applied: " + ", ".join(applied) if applied else "the projection schema is up to date")


@app.command()
def worker(
    projector: Annotated[bool, typer.Option("--projector/--no-projector",
                                            help="Also run the projector (else run `claimtrack project`)")] = True,
) -> None:
    """Run the stream processors and the projector until stopped."""
    from streams.processors.runner import run_worker  # faust is heavy: load it only for the worker

    s = settings()
    bootstrap, database = addresses(s)
    run_worker(s, bootstrap, database, with_projector=projector)


@app.command()
def project() -> None:
    """Run the projector alone (for a worker started with --no-projector)."""
    from streams.processors.runner import run_projector

    s = settings()
    bootstrap, database = addresses(s)
    run_projector(s, bootstrap, database)


# --- the demo -------------------------------------------------------------------------------
def _start_worker(s: Settings, bootstrap: str, database: str) -> int:
    state = localstack.read_state(s.home)
    if localstack.alive(state.pids.get("worker", -1)):
        return state.pids["worker"]
    env = {**os.environ, "CLAIMTRACK_KAFKA_BOOTSTRAP": bootstrap, "CLAIMTRACK_DATABASE_URL": database,
           "CLAIMTRACK_HOME": str(s.home)}
    log_path = s.home / "logs" / "worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "streams", "worker"], env=env, stdout=log_file,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    state.pids["worker"] = proc.pid
    localstack.write_state(s.home, state)
    return proc.pid


@app.command()
def demo() -> None:
    """Bring up the stack, start the worker, replay seeds/ and print the position histories."""
    s = settings()
    state = stack_up(s)
    bootstrap, database = str(state.kafka_bootstrap), str(state.database_url)
    out.print(f"kafka {bootstrap}, postgres {database}")

    from streams.processors.runner import prepare

    asyncio.run(prepare(s, bootstrap, database))
    pid = _start_worker(s, bootstrap, database)
    out.print(f"worker running (pid {pid}, log {s.home / 'logs' / 'worker.log'})")
    replay_corpus(s, [DEFAULT_SEEDS], Order.FILE, None, wait=True, worker_pid=pid)

    async def report() -> tuple[list[queries.VersionRow], tuple[int, int]]:
        conn = await asyncpg.connect(database)
        try:
            return await queries.history(conn), await queries.undated(conn)
        finally:
            await conn.close()

    rows, (undated_articles, undated_claims) = asyncio.run(report())
    rows = [r for r in rows if r.topic in {t.value for t in TRACKED_TOPICS}]
    print_versions(rows, OutputFormat.table, "position histories from seeds/")
    if undated_articles:
        out.print(f"{undated_articles} article(s) state no publication date: their {undated_claims} claim(s) are "
                  f"recorded but placed in no history until a date is given (seeds/manifest.toml).")
    out.print("The stack keeps running. Query it with `claimtrack history --actor grushko --topic dialogue`"
              " or `claimtrack positions`; stop it with `claimtrack down`.")
    out.print(f"See it in a browser: run `claimtrack serve` and open {PAGE_ADDRESS} (the timeline page).")


