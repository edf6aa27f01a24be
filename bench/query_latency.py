"""Query latency on a large projection: p50 and p99 of the queries the CLI runs.

Builds a projection of --claims claims in a PostgreSQL of its own, through the
projection's own write path (``storage.projection.apply_batch``, no broker): claims
made up over --actors actors and the three tracked topics, a few dozen statements per
position, each reported again and again on scattered dates, arriving in random order
and versioned by the pure core as the worker versions them. Then runs each query
--queries times on random positions, over a read-only connection under the reader
role, as `claimtrack history` and `claimtrack positions` do (``storage.queries``):

    python bench/query_latency.py [--claims 1000000] [--actors 200] [--queries 500] [--seed 1]

The last line reads ``claims=N rows=R history_p99_ms=... as_of_p99_ms=... known_at_p99_ms=...
positions_p99_ms=...``.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from schemas import Claim, ClaimExtracted  # noqa: E402
from schemas.events import TRACKED_TOPICS, Side, Stance  # noqa: E402
from storage import queries  # noqa: E402
from storage.migrate import migrate  # noqa: E402
from storage.projection import LogRecord, apply_batch  # noqa: E402
from storage.readonly import connect_readonly  # noqa: E402
from streams.core.handlers import position_events, valid_time  # noqa: E402
from streams.core.versioning import Position, apply_claim, position_key, settled  # noqa: E402
from streams.devstack import stack as localstack  # noqa: E402

LOG_START = datetime(2025, 1, 1, tzinfo=UTC)
FIRST_DAY = date(2019, 1, 1)
DAYS = 1500
STATEMENTS = 30  # per position


def say(message: str) -> None:
    print(message, flush=True)


def made_up_claims(count: int, actors: int, rnd: random.Random) -> Iterator[Claim]:
    """``count`` claims over ``actors`` actors: per position a fixed set of statements,
    each with its own stance and date, reported again within a few weeks of it."""
    stances = list(Stance)
    sides = [Side.RUSSIA, Side.NATO]
    statements = {(a, t.value): [(f"s-{a}-{t.value}-{s}", rnd.choice(stances), rnd.randrange(DAYS))
                                 for s in range(STATEMENTS)] for a in range(actors) for t in TRACKED_TOPICS}
    positions = list(statements)
    for n in range(count):
        actor, topic = rnd.choice(positions)
        statement_id, stance, day = rnd.choice(statements[(actor, topic)])
        published = FIRST_DAY + timedelta(days=day + rnd.randrange(30))
        quote = f"Made-up statement {statement_id} as reported in article {n // 4}."
        yield Claim(claim_id=f"c-{n}", article_id=f"a-{n // 4}", source=f"made-up/{n // 4}.txt", outlet="Wire",
                    actor_id=f"actor-{actor:04d}", actor_name=f"Actor {actor}", side=sides[actor % 2],
                    topic=topic, stance=stance, evidence=quote, span=(0, len(quote)), evidence_spans=(),
                    statement_id=statement_id, published_at=published, date_known=True, confidence=0.8,
                    extractor_version="made-up")


def log_records(claims: Iterator[Claim]) -> Iterator[LogRecord]:
    """Each claim's ClaimExtracted and the position events the version processor sends
    for it, a millisecond apart in the log."""
    positions: dict[str, Position | None] = {}
    for n, claim in enumerate(claims):
        at = LOG_START + timedelta(milliseconds=n)
        yield LogRecord("claims", 0, n, at,
                        ClaimExtracted.create(claim, occurred_at=valid_time(claim.published_at), produced_at=at))
        key = position_key(claim.actor_id, claim.topic.value)
        outcome = apply_claim(settled(positions.get(key)), claim)
        positions[key] = outcome.position
        for i, event in enumerate(position_events(outcome, at)):
            yield LogRecord("changes", 0, n * 4 + i, at, event)


async def load(url: str, records: Iterator[LogRecord], batch: int = 5000) -> int:
    """Apply ``records`` through the projection's write path; returns the version rows."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        pending: list[LogRecord] = []
        loaded, started = 0, time.monotonic()
        for record in records:
            pending.append(record)
            if len(pending) >= batch:
                await apply_batch(conn, pending)
                loaded += len(pending)
                pending = []
                if loaded % (batch * 40) == 0:
                    say(f"  {loaded:,} events loaded, {loaded / (time.monotonic() - started):,.0f} events/s")
        await apply_batch(conn, pending)
        # As autovacuum leaves a table at rest: statistics, hint bits and the visibility map
        # set. Without it the figures moved between runs, most likely with how far autovacuum had got.
        await conn.execute("VACUUM (ANALYZE)")
        return int(await conn.fetchval("SELECT count(*) FROM position_versions"))
    finally:
        await conn.close()


async def timed(runs: int, query: Callable[[], Awaitable[Any]]) -> list[float]:
    await query()  # the plan cached, the pages warm
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        await query()
        took.append((time.perf_counter() - started) * 1000)
    return took


def percentiles(took: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return cuts[49], cuts[98]


async def measure(url: str, actors: int, runs: int, rnd: random.Random) -> dict[str, tuple[float, float]]:
    conn = await connect_readonly(url)
    try:
        def position() -> tuple[str, str]:
            return f"actor-{rnd.randrange(actors):04d}", rnd.choice(TRACKED_TOPICS).value

        def day() -> date:
            return FIRST_DAY + timedelta(days=rnd.randrange(DAYS))

        end = await conn.fetchval("SELECT max(recorded_from) FROM position_versions")
        span = (end - LOG_START).total_seconds()

        def moment() -> datetime:
            return LOG_START + timedelta(seconds=rnd.random() * span)

        found = await queries.history(conn, *position())
        if not found:
            raise RuntimeError("a position of the made-up corpus has no history")
        return {
            "history": percentiles(await timed(runs, lambda: queries.history(conn, *position()))),
            "as_of": percentiles(await timed(runs, lambda: queries.history(conn, *position(), as_of=day()))),
            "known_at": percentiles(await timed(runs, lambda: queries.history(conn, *position(),
                                                                              known_at=moment()))),
            "positions": percentiles(await timed(max(runs // 10, 20), lambda: queries.current_positions(conn))),
        }
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--queries", type=int, default=500, help="runs of each query")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    home = Path(tempfile.mkdtemp(prefix="claimtrack-query-latency-"))
    home.chmod(0o755)  # the PostgreSQL cluster's user must reach its directory
    url, pid = localstack.start_postgres(home, fast=True)
    try:
        started = time.monotonic()
        rows = asyncio.run(load(url, log_records(made_up_claims(args.claims, args.actors, rnd))))
        say(f"loaded {args.claims:,} claims through the projection's write path in "
            f"{time.monotonic() - started:.0f}s: {rows:,} version rows")
        figures = asyncio.run(measure(url, args.actors, args.queries, rnd))
    finally:
        localstack.stop_pid(pid)
    for name, (p50, p99) in figures.items():
        say(f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    say(f"claims={args.claims} rows={rows} " + " ".join(f"{name}_p99_ms={p99:.2f}"
                                                      for name, (_, p99) in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
