"""HTTP API latency under concurrent clients: p50 and p99 of GET /history and
GET /positions, as `claimtrack serve` answers them.

Builds two projections in a PostgreSQL of its own, through the projection's own write
path (``storage.projection.apply_batch``, no broker): the seed corpus, extracted and
versioned by the pure core as the worker does it, and --claims made-up claims (those
of bench/query_latency.py). For each, it starts the real `claimtrack serve` in a
process of its own and has --clients clients ask at once, each sending its next
request as soon as the last is answered: /history of a random actor and topic, then
/positions (the first page of 100).

    python bench/api_latency.py [--claims 1000000] [--clients 50] [--requests 5000] [--workers 1] [--seed 1]

The last line reads ``clients=C seeds_history_p99_ms=... seeds_positions_p99_ms=...
claims=N history_p99_ms=... positions_p99_ms=...``.
"""

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from query_latency import load, log_records, made_up_claims, percentiles  # noqa: E402

from schemas import Article  # noqa: E402
from schemas.events import TRACKED_TOPICS  # noqa: E402
from storage.databases import create_database  # noqa: E402
from storage.projection import LogRecord  # noqa: E402
from streams.core.corpus import read_corpus  # noqa: E402
from streams.core.handlers import article_event, claim_events  # noqa: E402
from streams.devstack import stack as localstack  # noqa: E402
from streams.devstack.processes import free_port  # noqa: E402

LOG_START = datetime(2025, 1, 1, tzinfo=UTC)


def say(message: str) -> None:
    print(message, flush=True)


def seed_records() -> Iterator[LogRecord]:
    """The seed articles, their claims and the position events, as the log would hold them."""
    articles = [a for a in read_corpus([REPO / "seeds"]) if isinstance(a, Article)]
    claims = []
    for n, article in enumerate(articles):
        at = LOG_START + timedelta(seconds=n)
        published = article_event(article, at)
        yield LogRecord("articles", 0, n, at, published)
        claims += [c.data for c in claim_events(published, at)]
    yield from log_records(iter(claims))


class Server:
    """`claimtrack serve` over one database; it needs no broker for these routes."""

    def __init__(self, database_url: str, home: Path, workers: int = 1) -> None:
        self.port = free_port()
        env = {**os.environ, "CLAIMTRACK_DATABASE_URL": database_url, "CLAIMTRACK_HOME": str(home),
               "CLAIMTRACK_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"}
        self.process = subprocess.Popen([sys.executable, "-m", "streams", "serve", "--port", str(self.port),
                                         "--workers", str(workers)],
                                        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/actors", timeout=5).raise_for_status()
                return
            except httpx.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"claimtrack serve did not answer: {self.process.communicate()[0]!r}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


async def hammer(url: str, clients: int, requests: int, path: Callable[[], tuple[str, dict[str, str]]]
                 ) -> tuple[list[float], float]:
    """Latencies (ms) of ``requests`` requests from ``clients`` clients at once, and the
    seconds it took. aiohttp: the load must cost the machine less than the answers do
    (httpx's client took a core to itself at 200 requests a second here)."""
    took: list[float] = []
    left = requests
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as session:

        async def one_client() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                route, params = path()
                started = time.perf_counter()
                async with session.get(route, params=params) as answer:
                    await answer.read()
                    took.append((time.perf_counter() - started) * 1000)
                    answer.raise_for_status()

        await asyncio.gather(*(one_client() for _ in range(clients)))  # warm: connections open, plans cached
        left = requests
        took.clear()
        started = time.monotonic()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        return took, time.monotonic() - started


def measure(name: str, server: Server, clients: int, requests: int, rnd: random.Random
            ) -> dict[str, tuple[float, float]]:
    actors = [a["actor_id"] for a in httpx.get(f"{server.url}/actors", timeout=30).json()]
    topics = [t.value for t in TRACKED_TOPICS]

    def history() -> tuple[str, dict[str, str]]:
        return "/history", {"actor": rnd.choice(actors), "topic": rnd.choice(topics)}

    def positions() -> tuple[str, dict[str, str]]:
        return "/positions", {}

    figures = {}
    for route, path, runs in (("history", history, requests), ("positions", positions, max(requests // 5, clients))):
        took, seconds = asyncio.run(hammer(server.url, clients, runs, path))
        p50, p99 = percentiles(took)
        figures[route] = (p50, p99)
        say(f"{name} /{route}: {runs:,} requests from {clients} clients in {seconds:.1f}s "
            f"({runs / seconds:,.0f}/s): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1_000_000, help="made-up claims of the large projection")
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000, help="requests for /history (a fifth for /positions)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="`claimtrack serve --workers`")
    args = parser.parse_args()
    for name in ("claims", "actors", "clients", "requests"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    rnd = random.Random(args.seed)

    home = Path(tempfile.mkdtemp(prefix="claimtrack-api-latency-"))
    home.chmod(0o755)  # the PostgreSQL cluster's user must reach its directory
    database_url, pid = localstack.start_postgres(home, fast=True)
    server_url = database_url.rsplit("/", 1)[0]
    results: dict[str, dict[str, tuple[float, float]]] = {}
    try:
        for name, records in (("seeds", seed_records),
                              ("made-up", lambda: log_records(made_up_claims(args.claims, args.actors, rnd)))):
            url = asyncio.run(create_database(server_url, f"api_latency_{name.replace('-', '_')}"))
            started = time.monotonic()
            rows = asyncio.run(load(url, records()))
            say(f"{name}: loaded through the projection's write path in {time.monotonic() - started:.0f}s: "
                f"{rows:,} version rows")
            server = Server(url, home, args.workers)
            try:
                results[name] = measure(name, server, args.clients, args.requests, rnd)
            finally:
                server.stop()
    finally:
        localstack.stop_pid(pid)
    seeds, large = results["seeds"], results["made-up"]
    say(f"clients={args.clients} seeds_history_p99_ms={seeds['history'][1]:.1f} "
        f"seeds_positions_p99_ms={seeds['positions'][1]:.1f} claims={args.claims} "
        f"history_p99_ms={large['history'][1]:.1f} positions_p99_ms={large['positions'][1]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
