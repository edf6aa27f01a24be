"""The replay command: a corpus into Kafka, one ArticlePublished per article."""

import asyncio
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas import Article
from streams.cli.app import DEFAULT_SEEDS, app, broker_address, database_address, err, fail, out, settings
from streams.clients.producer import Order, ReplayResult, arrange, refuse
from streams.clients.producer import replay as produce
from streams.config import Settings
from streams.core.corpus import Failure, read_corpus
from streams.devstack import stack as localstack


@app.command()
def replay(
    paths: Annotated[list[Path] | None, typer.Argument(help="Article files or directories (default: seeds/)")] = None,
    order: Annotated[Order, typer.Option(help="Replay order")] = Order.FILE,
    seed: Annotated[int | None, typer.Option(help="Seed for --order shuffle")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Return once the projection has caught up")] = False,
) -> None:
    """Stream each article of a corpus into Kafka as an ArticlePublished event."""
    replay_corpus(settings(), paths or [DEFAULT_SEEDS], order, seed, wait)


def replay_corpus(s: Settings, paths: list[Path], order: Order, seed: int | None, wait: bool,
                  worker_pid: int | None = None) -> None:
    from streams.clients.admin import ensure_topics
    from streams.clients.lag import wait_until_caught_up

    for path in paths:
        if not path.exists():
            raise fail(f"no such file or directory: {path}")
    bootstrap = broker_address(s)
    database = database_address(s) if wait else ""
    # The producer checks the size limit as it encodes each article: not here a second time.
    report = ReplayResult()

    def admitted(items: Iterable[Article | Failure]) -> Iterator[Article]:
        for item in items:
            if isinstance(item, Failure):
                refuse(report, item, lambda _: None)
            else:
                yield item

    # In file order each article is sent as soon as it is read, so the workers start at
    # once; the other orders need every article first.
    articles: Iterable[Article] = admitted(read_corpus(paths, s.date_window))
    total: int | None = None
    if order is not Order.FILE:
        articles = arrange(list(articles), order, seed)
        total = len(articles)

    def worker_alive() -> bool:
        return worker_pid is None or localstack.alive(worker_pid)

    async def run() -> None:
        t = s.topics
        await ensure_topics(bootstrap, [*t.projected, t.deadletter], s.partitions, t.message_bytes)
        with Progress(TextColumn("replaying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("replay", total=total)
            sent = await produce(bootstrap, t.articles, articles, s.max_article_bytes, t.message_bytes,
                                 on_progress=lambda _: bar.advance(task), compression=s.compression_type)
        report.merge(sent)
        print_report(report, t.articles)
        if wait:
            started = time.monotonic()
            lag = await wait_until_caught_up(s, bootstrap, database, s.wait_timeout, still_running=worker_alive)
            out.print(f"projection caught up in {time.monotonic() - started:.1f}s")
            if lag.dead_letters:
                out.print(f"{lag.dead_letters} dead letter(s) in {t.deadletter}: "
                          "see `claimtrack deadletter list`")

    try:
        asyncio.run(run())
    except (TimeoutError, RuntimeError) as exc:
        raise fail(f"{exc}; see {s.home / 'logs' / 'worker.log'}" if worker_pid else str(exc), 1) from exc
    if report.failures:
        raise typer.Exit(1)


def print_report(report: ReplayResult, topic: str) -> None:
    """What was refused and why, then file by file what was sent and refused, then the sum."""
    for f in report.failures:
        err.print(f"refused {f.source}: {f.reason}", markup=False, highlight=False, soft_wrap=True)
    for name, (sent, refused) in report.by_file.items():
        err.print(f"{name}: sent {sent}, refused {refused}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"replayed {report.produced} articles to {topic}, {len(report.failures)} refused")
