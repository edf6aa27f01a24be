"""Throughput of the whole pipeline, and what it costs the broker per claim.

Starts its own stack (Apache Kafka, or noida-db with --broker noida, and PostgreSQL),
starts W workers of one deployment, replays N generated articles (or --corpus), and
waits until the projection has caught up. Bare extraction of the same articles on
one core is timed first, so the pipeline's overhead reads as a ratio.

    python bench/throughput.py --articles 1000 [--workers 2] [--corpus PATH] [--seed 1]

After it, the projection is rebuilt from that log and the rebuild's events per second
printed. The last line reads ``articles=N workers=W seconds=S articles_per_s=X claims=C
log_bytes_per_claim=B broker_peak_rss_mb=M``: S from the first article sent to the
projection caught up; B the bytes of the log segments of the deployment's topics
(log segments, changelog included) per projected claim; M the broker's peak resident memory.
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from chaos import Deployment, Stack  # noqa: E402
from extract_speed import generate  # noqa: E402

from schemas import Article  # noqa: E402
from streams.clients.lag import measure_lag  # noqa: E402
from streams.core.corpus import Failure, read_corpus  # noqa: E402
from streams.core.extraction import extract  # noqa: E402
from streams.logs import configure as configure_logs  # noqa: E402
from streams.processors.runner import limits_of, prepare  # noqa: E402
from streams.projector.service import Projector  # noqa: E402


def say(message: str) -> None:
    print(message, flush=True)


def load(args: argparse.Namespace, home: Path) -> tuple[Path, list[Article]]:
    if args.corpus:
        articles = [a for a in read_corpus([args.corpus]) if not isinstance(a, Failure)]
        return args.corpus, articles
    articles = generate(args.articles, args.seed)
    path = home / "corpus.jsonl"
    rows = [{"text": a.text, "published_at": a.published_at.isoformat() if a.published_at else None}
            for a in articles]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path, articles


def bare_extraction(articles: list[Article]) -> tuple[float, float]:
    """(articles/s, MB/s) of extraction alone on one core."""
    started = time.perf_counter()
    for article in articles:
        extract(article)
    seconds = time.perf_counter() - started
    size = sum(len(a.text.encode()) for a in articles)
    return len(articles) / seconds, size / seconds / 1e6


def topic_bytes(data: Path, prefixes: tuple[str, ...]) -> int:
    """Bytes of the log segments (the records) of the topic-partitions whose topic starts
    with a prefix. Index files are left out: the broker preallocates them (10 MB each,
    sparse), so their length says nothing of what the records cost."""
    total = 0
    for directory in data.rglob("*"):
        if directory.is_dir() and directory.name.startswith(prefixes):
            total += sum(f.stat().st_size for f in directory.glob("*.log"))
    return total


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children, living and reaped (PostgreSQL's
    backends are children of its postmaster)."""
    def own(p: int, reaped: bool) -> float:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
        return ticks / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    alive = [int(c) for c in children.read_text().split()] if children.exists() else []
    return own(pid, True) + sum(own(c, False) for c in alive)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def group_members(bootstrap: str, group: str) -> tuple[str, int]:
    """The consumer group's state and how many members it has."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
        # (error_code, group_id, state, protocol_type, protocol, members, ...)
        group_state = response.groups[0]
        return str(group_state[2]), len(group_state[5])
    except KafkaError:  # no coordinator yet: the group's offsets topic is still being created
        return "", 0
    finally:
        await admin.close()


def wait_for_group(bootstrap: str, group: str, members: int, timeout: float) -> None:
    """Until every worker has joined the group and it is stable, so that the clock does not
    count the workers' start (the broker delays a new group's first assignment)."""
    deadline = time.monotonic() + timeout
    while asyncio.run(group_members(bootstrap, group)) != ("Stable", members):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the workers did not join group {group} in {timeout:.0f}s")
        time.sleep(0.5)


async def count_claims(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM claims"))
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--corpus", type=Path, help="a corpus to replay instead of generated articles")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broker", choices=["apache", "noida"], default="apache")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the projection")
    args = parser.parse_args()
    configure_logs("warning")

    home = Path(tempfile.mkdtemp(prefix="claimtrack-throughput-"))
    home.chmod(0o755)  # the PostgreSQL cluster's user must reach its directory
    corpus, articles = load(args, home)
    per_s, mb_per_s = bare_extraction(articles)
    say(f"bare extraction, one core: {per_s:.0f} articles/s, {mb_per_s:.2f} MB/s ({len(articles)} articles)")

    stack = Stack(home, args.broker)
    try:
        d = Deployment(stack, "throughput", args.timeout)
        d.env["CLAIMTRACK_PARTITIONS"] = str(max(3, 2 * args.workers))
        d.settings = d.settings.model_copy(update={"partitions": max(3, 2 * args.workers)})
        asyncio.run(prepare(d.settings, stack.bootstrap, d.database_url))
        workers = []
        for n in range(args.workers):
            d.env["CLAIMTRACK_WORKER_INSTANCE"] = f"throughput-{n}"
            workers.append(d.start("worker"))
        wait_for_group(stack.bootstrap, d.settings.app_id, len(workers), args.timeout)
        time.sleep(2)  # table recovery, which follows the assignment

        processes = {"broker": stack.kafka_pid, "postgresql": stack.pg_pid,
                     **{f"worker {n}": w.pid for n, w in enumerate(workers)}}
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes.items()}
        reaped_before = children_cpu()
        started = time.monotonic()
        replay = d.start("replay", str(corpus))
        sent_at = processed_at = None
        while True:
            if any(w.poll() is not None for w in workers):
                raise RuntimeError(f"a worker exited; see {d.home}")
            if sent_at is None and replay.poll() is not None:
                sent_at = time.monotonic() - started
            lag = asyncio.run(measure_lag(d.settings, stack.bootstrap, d.database_url))
            if sent_at is not None and processed_at is None and lag.processors == 0:
                processed_at = time.monotonic() - started
            if sent_at is not None and lag.total == 0:
                break
            if time.monotonic() - started > args.timeout:
                raise TimeoutError(f"not caught up after {args.timeout:.0f}s")
            time.sleep(0.5)
        seconds = time.monotonic() - started
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes.items()}
        cpu["replay"] = children_cpu() - reaped_before  # the one child reaped meanwhile
        claims = asyncio.run(count_claims(d.database_url))
        data = home / "kafka-home" / ("apache-kafka" if args.broker == "apache" else "kafka")
        log_bytes = topic_bytes(data, (d.name + ".", d.name + "-"))
        rss = peak_rss_mb(stack.kafka_pid)
        for w in workers:
            w.terminate()
        rebuilt = asyncio.run(Projector(stack.bootstrap, d.database_url, d.settings.topics,
                                        limits=limits_of(d.settings)).rebuild())
    finally:
        stack.stop()

    say(f"replay sent everything in {sent_at:.1f}s; processors caught up at {processed_at or seconds:.1f}s; "
        f"projection at {seconds:.1f}s")
    say(f"rebuild of the projection from that log: {rebuilt.events} events in {rebuilt.seconds:.1f}s, "
        f"{rebuilt.events / rebuilt.seconds:,.0f} events/s; full checksum "
        f"{'unchanged' if rebuilt.before == rebuilt.after else 'CHANGED'}")
    say(f"CPU seconds over the {seconds:.1f}s ({(os.cpu_count() or 1) * seconds:.0f} on {os.cpu_count()} cores): "
        + ", ".join(f"{name} {value:.1f}" for name, value in cpu.items())
        + f"; bare extraction of these articles takes {len(articles) / per_s:.1f}")
    say(f"broker: {log_bytes / 1e6:.1f} MB on disk for the deployment's topics; peak resident {rss:.0f} MB")
    rate = len(articles) / seconds
    say(f"pipeline {rate:.1f} articles/s against bare extraction {per_s:.0f} articles/s on one core: "
        f"{per_s / rate:.1f}x overhead")
    say(f"articles={len(articles)} workers={args.workers} seconds={seconds:.1f} articles_per_s={rate:.1f} "
        f"claims={claims} log_bytes_per_claim={log_bytes // max(claims, 1)} broker_peak_rss_mb={rss:.0f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CLAIMTRACK_LOG_LEVEL", "warning")
    sys.exit(main())
