"""The claimtrack command line."""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import asyncpg
import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from schemas.events import TRACKED_TOPICS
from storage import queries
from storage.migrate import migrate_database
from storage.readonly import connect_readonly
from streams.clients.producer import Order, arrange
from streams.clients.producer import replay as produce
from streams.config import Settings
from streams.core.corpus import Failure, read_corpus
from streams.core.evaluation import GoldError, PredictedClaim, Score, TopicScore, article_name, read_gold, score
from streams.core.extraction import extract as extract_claims
from streams.core.extraction.registry import load_registry
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


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url)


@app.callback()
def _logging() -> None:
    """Structured logs go to standard error; standard output is for results."""
    configure_logging(settings().log_level)


# --- the local stack ------------------------------------------------------------------------
@app.command()
def up() -> None:
    """Start the embedded broker and PostgreSQL (what is not configured) under CLAIMTRACK_HOME."""
    state = _stack_up(settings())
    out.print(f"kafka    {state.kafka_bootstrap}")
    out.print(f"postgres {state.database_url}")


def _stack_up(s: Settings) -> localstack.StackState:
    """The local stack for what is not configured, started if it is not running."""
    try:
        return localstack.up(s.home, s.kafka_bootstrap, s.database_url)
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
    out.print(f"kafka     {s.kafka_bootstrap or state.kafka_bootstrap}")
    out.print(f"postgres  {s.database_url or state.database_url}")


@app.command()
def down() -> None:
    """Stop the worker and the local stack by the pids they recorded."""
    stopped = localstack.down(settings().home)
    out.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


# --- the pipeline ---------------------------------------------------------------------------
@app.command()
def migrate() -> None:
    """Apply the projection's SQL migrations."""
    _, database = addresses(settings())
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


@app.command()
def replay(
    paths: Annotated[list[Path] | None, typer.Argument(help="Article files or directories (default: seeds/)")] = None,
    order: Annotated[Order, typer.Option(help="Replay order")] = Order.FILE,
    seed: Annotated[int | None, typer.Option(help="Seed for --order shuffle")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Return once the projection has caught up")] = False,
) -> None:
    """Stream each article of a corpus into Kafka as an ArticlePublished event."""
    _replay(settings(), paths or [DEFAULT_SEEDS], order, seed, wait)


def _replay(s: Settings, paths: list[Path], order: Order, seed: int | None, wait: bool,
            worker_pid: int | None = None) -> None:
    from streams.clients.admin import ensure_topics
    from streams.clients.lag import wait_until_caught_up

    for path in paths:
        if not path.exists():
            raise fail(f"no such file or directory: {path}")
    bootstrap, database = addresses(s)
    items = list(read_corpus(paths))
    failures = [i for i in items if isinstance(i, Failure)]
    for f in failures:
        err.print(f"skipped {f.source}: {f.reason}", markup=False, highlight=False)
    articles = arrange([i for i in items if not isinstance(i, Failure)], order, seed)

    def worker_alive() -> bool:
        return worker_pid is None or localstack.alive(worker_pid)

    async def run() -> None:
        await ensure_topics(bootstrap, [*s.topics.projected, s.topics.deadletter], s.partitions)
        with Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("replay", total=len(articles))
            result = await produce(bootstrap, s.topics.articles, articles, s.max_article_bytes,
                                   on_progress=lambda _: bar.advance(task))
        failures.extend(result.failures)
        for f in result.failures:
            err.print(f"skipped {f.source}: {f.reason}", markup=False, highlight=False)
        out.print(f"replayed {result.produced} articles to {s.topics.articles}, {len(failures)} failed")
        if wait:
            started = time.monotonic()
            await wait_until_caught_up(s, bootstrap, database, s.wait_timeout, still_running=worker_alive)
            out.print(f"projection caught up in {time.monotonic() - started:.1f}s")

    try:
        asyncio.run(run())
    except (TimeoutError, RuntimeError) as exc:
        raise fail(f"{exc}; see {s.home / 'logs' / 'worker.log'}" if worker_pid else str(exc), 1) from exc
    if failures:
        raise typer.Exit(1)


# --- queries --------------------------------------------------------------------------------
def _resolve_actor(conn_actors: list[tuple[str, str]], query: str) -> str:
    registered = load_registry().find(query)
    if registered is not None:
        return registered.id
    q = query.strip().lower()
    for actor_id, name in conn_actors:
        if q in (actor_id.lower(), name.lower()):
            return actor_id
    choices = ", ".join(a for a, _ in conn_actors) or "none yet (replay a corpus first)"
    raise fail(f"unknown actor {query!r}; known actors: {choices}")


def _print_versions(rows: list[queries.VersionRow], fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.json:
        print(json.dumps([asdict(r) for r in rows], default=str, indent=2))
        return
    table = Table(title=title, show_lines=False)
    columns = (("actor", 18), ("topic", 17), ("v", 2), ("stance", 11), ("valid from", 10), ("valid to", 10),
               ("reports", 7))
    for column, width in columns:
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_column("evidence", overflow="ellipsis", no_wrap=True, max_width=45)
    for r in rows:
        table.add_row(r.actor_name, r.topic, str(r.version), r.stance, str(r.valid_from),
                      str(r.valid_to or "now"), str(r.reports), " ".join((r.evidence or "").split()))
    out.print(table)


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
    _, database = addresses(settings())

    async def run() -> list[queries.VersionRow]:
        conn = await connect_readonly(database)
        try:
            actor_id = _resolve_actor(await queries.known_actors(conn), actor) if actor else None
            return await queries.history(conn, actor_id, topic.value if topic else None, valid_on, believed_at)
        finally:
            await conn.close()

    title = "position history" + (f" valid on {valid_on}" if valid_on else "") + (
        f" as known at {believed_at.isoformat()}" if believed_at else "")
    _print_versions(asyncio.run(run()), format, title)


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
    bootstrap, _ = addresses(s)
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
                                   instance or f"{group}@{socket.gethostname()}"))


@app.command()
def checksum(
    full: Annotated[bool, typer.Option("--full", help="Include transaction time and every article and claim")] = False,
) -> None:
    """A checksum of the valid-time history (the same in any arrival order)."""
    from storage.checksum import full_checksum, valid_time_checksum

    _, database = addresses(settings())

    async def run() -> str:
        conn = await connect_readonly(database)
        try:
            return await (full_checksum(conn) if full else valid_time_checksum(conn))
        finally:
            await conn.close()

    print(asyncio.run(run()))


@app.command()
def rebuild() -> None:
    """Drop the projection, re-read the log from the beginning, and compare full checksums."""
    from streams.projector.service import Projector

    s = settings()
    bootstrap, database = addresses(s)
    before, after = asyncio.run(Projector(bootstrap, database, s.topics.projected).rebuild())
    out.print(f"full checksum before {before}")
    out.print(f"full checksum after  {after}")
    if before != after:
        raise fail("the rebuilt projection differs from the one it replaced", 1)


@app.command()
def positions(
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
) -> None:
    """Every actor's current position on each topic."""
    _, database = addresses(settings())

    async def run() -> list[queries.VersionRow]:
        conn = await connect_readonly(database)
        try:
            return await queries.current_positions(conn)
        finally:
            await conn.close()

    _print_versions(asyncio.run(run()), format, "current positions")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .jsonl) or directories")],
    format: Annotated[ExtractFormat, typer.Option("--format", help="Output format")] = ExtractFormat.jsonl,
) -> None:
    """Extract claims offline: no broker, no database."""
    failed = 0
    table = Table("source", "actor", "topic", "stance", "evidence")
    for item in read_corpus(paths):
        if isinstance(item, Failure):
            failed += 1
            err.print(f"skipped {item.source}: {item.reason}", markup=False, highlight=False)
            continue
        for claim in extract_claims(item):
            row = {"source": item.source, "article_id": item.article_id, "actor": claim.actor_id,
                   "actor_name": claim.actor_name, "side": claim.side.value, "topic": claim.topic.value,
                   "stance": claim.stance.value, "evidence": claim.evidence, "span": list(claim.span),
                   "evidence_spans": [s.model_dump(mode="json") for s in claim.evidence_spans],
                   "published_at": claim.published_at.isoformat() if claim.published_at else None,
                   "date_known": claim.date_known, "confidence": claim.confidence,
                   "extractor_version": claim.extractor_version}
            if format is ExtractFormat.jsonl:
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                table.add_row(Path(item.source).name, claim.actor_name, claim.topic.value, claim.stance.value,
                              claim.evidence[:80])
    if format is ExtractFormat.table:
        out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold file (JSON Lines, see docs/extraction.md)")],
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .jsonl) or directories")],
    show: Annotated[bool, typer.Option("--show", help="List the misses, wrong stances and extras first")] = False,
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
    min_f1: Annotated[float | None, typer.Option("--min-f1", min=0.0, max=1.0,
                                                 help="Exit 1 when strict F1 falls below this")] = None,
) -> None:
    """Extract claims offline and score them against a gold file: precision, recall and F1 per topic."""
    try:
        gold_lines = read_gold(gold)
    except GoldError as exc:
        raise fail(str(exc)) from None
    for path in paths:
        if not path.exists():
            raise fail(f"no such file or directory: {path}")
    predicted: list[PredictedClaim] = []
    names: set[str] = set()
    failed = 0
    for item in read_corpus(paths):
        if isinstance(item, Failure):
            failed += 1
            err.print(f"skipped {item.source}: {item.reason}", markup=False, highlight=False)
            continue
        names.add(article_name(item.source))
        predicted.extend(PredictedClaim.of(item.source, claim) for claim in extract_claims(item))
    unread = sorted({g.article for g in gold_lines} - names)
    if unread:
        err.print(f"note: {len(unread)} article(s) of the gold are not in the corpus, their pairs count as "
                  f"misses: {', '.join(unread)}", markup=False, highlight=False, soft_wrap=True)
    result = score(gold_lines, predicted, names)
    if format is OutputFormat.json:
        print(json.dumps(result.model_dump(mode="json"), indent=2))
    else:
        _print_score(result, show, f"extraction scored against {gold}")
    if min_f1 is not None and result.overall.strict.f1 < min_f1:
        raise fail(f"strict F1 {result.overall.strict.f1:.3f} is below --min-f1 {min_f1}", 1)
    if failed:
        raise typer.Exit(1)


def _print_score(result: Score, show: bool, title: str) -> None:
    if show:
        for line in result.mistake_lines():
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    table = Table(title=title)
    for column in ("topic", "gold", "optional", "predicted", "found", "stance ok"):
        table.add_column(column, justify="left" if column == "topic" else "right", no_wrap=True)
    for column in ("strict P", "strict R", "strict F1", "pairs P", "pairs R", "pairs F1"):
        table.add_column(column, justify="right", no_wrap=True)

    def row(name: str, s: TopicScore) -> list[str]:
        figures = [s.strict.precision, s.strict.recall, s.strict.f1, s.pairs.precision, s.pairs.recall, s.pairs.f1]
        return [name, str(s.gold_pairs), str(s.optional_pairs), str(s.predicted_pairs), str(s.found_pairs),
                str(s.right_stances), *(f"{f:.3f}" for f in figures)]

    for topic, topic_score in result.topics.items():
        table.add_row(*row(topic, topic_score))
    table.add_section()
    table.add_row(*row("all", result.overall))
    out.print(table)
    out.print(f"strict_f1={result.overall.strict.f1:.3f}", markup=False, highlight=False)


# --- dead letters ---------------------------------------------------------------------------
deadletter_app = typer.Typer(help="Events the stream processors refused, with their reasons.", no_args_is_help=True)
app.add_typer(deadletter_app, name="deadletter")


@deadletter_app.command("list")
def deadletter_list(
    format: Annotated[OutputFormat, typer.Option("--format", help="Output format")] = OutputFormat.table,
) -> None:
    """Show every dead letter: where it came from and why it was refused."""
    from streams.clients.deadletters import read_letters

    s = settings()
    bootstrap, _ = addresses(s)
    letters = asyncio.run(read_letters(bootstrap, s.topics.deadletter))
    if format is OutputFormat.json:
        print(json.dumps([letter.model_dump(mode="json") for _, _, letter in letters], indent=2))
        return
    table = Table("offset", "stage", "source", "reason", "bytes", title=f"dead letters in {s.topics.deadletter}")
    for tp, offset, letter in letters:
        table.add_row(f"{tp.partition}:{offset}", letter.stage,
                      f"{letter.source_topic}[{letter.partition}]@{letter.offset}", letter.reason,
                      str(len(letter.original_value())))
    out.print(table)


@deadletter_app.command("replay")
def deadletter_replay(
    group: Annotated[str, typer.Option(help="Consumer group that remembers what was re-submitted")] = (
        "claimtrack-deadletter-replay"),
) -> None:
    """Re-submit the dead letters not re-submitted yet to their source topics (after a fix)."""
    from streams.clients.deadletters import replay_letters

    s = settings()
    bootstrap, _ = addresses(s)
    sent = asyncio.run(replay_letters(
        bootstrap, s.topics.deadletter, group,
        lambda letter: err.print(f"re-submitted {letter.source_topic}[{letter.partition}]@{letter.offset}",
                                 markup=False, highlight=False)))
    out.print(f"re-submitted {sent} dead letter(s)")


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
    state = _stack_up(s)
    bootstrap, database = str(state.kafka_bootstrap), str(state.database_url)
    out.print(f"kafka {bootstrap}, postgres {database}")

    from streams.processors.runner import prepare

    asyncio.run(prepare(s, bootstrap, database))
    pid = _start_worker(s, bootstrap, database)
    out.print(f"worker running (pid {pid}, log {s.home / 'logs' / 'worker.log'})")
    _replay(s, [DEFAULT_SEEDS], Order.FILE, None, wait=True, worker_pid=pid)

    async def report() -> tuple[list[queries.VersionRow], tuple[int, int]]:
        conn = await _connect(database)
        try:
            return await queries.history(conn), await queries.undated(conn)
        finally:
            await conn.close()

    rows, (undated_articles, undated_claims) = asyncio.run(report())
    rows = [r for r in rows if r.topic in {t.value for t in TRACKED_TOPICS}]
    _print_versions(rows, OutputFormat.table, "position histories from seeds/")
    if undated_articles:
        out.print(f"{undated_articles} article(s) state no publication date: their {undated_claims} claim(s) are "
                  f"recorded but placed in no history until a date is given (seeds/manifest.toml).")
    out.print("The stack keeps running. Query it with `claimtrack history --actor grushko --topic dialogue`"
              " or `claimtrack positions`; stop it with `claimtrack down`.")


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
