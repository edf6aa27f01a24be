"""Poison run: hostile events on every topic while good articles are replayed.

Starts a broker and a PostgreSQL of its own and one `claimtrack worker`, replays good
articles (seeds/ and generated ones) while sending N hostile events to the articles,
claims and claim-changes topics, waits until the projection has caught up and checks
that every good article is in the projection. A worker that exited, or that is alive
but made no progress for --stall seconds while behind (faust can leave a crashed app's
process hanging), is started again, up to a bound, and counted as a restart, as a
supervisor with a liveness check would. The table of input classes comes before the
last line:

    python bench/poison.py --events 5000 --seed 1 [--broker apache|noida]
    ...
    events=N dead_letters=D worker_restarts=R lost=L

Exit status 0 only when R = L = 0 and the projection caught up. The hostile events and
their input classes are in bench/hostile.py (hypothesis strategies, seeded).
"""

import argparse
import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from extract_speed import generate  # noqa: E402
from hostile import Poison, hostile_events  # noqa: E402

from schemas import Article  # noqa: E402
from storage.databases import create_database  # noqa: E402
from streams.clients.admin import end_offsets  # noqa: E402
from streams.clients.deadletters import read_letters  # noqa: E402
from streams.clients.lag import measure_lag, wait_until_caught_up  # noqa: E402
from streams.clients.producer import replay  # noqa: E402
from streams.config import Settings  # noqa: E402
from streams.core.corpus import Failure, read_corpus  # noqa: E402
from streams.devstack import stack as localstack  # noqa: E402
from streams.processors.runner import prepare  # noqa: E402


@dataclass(frozen=True)
class Services:
    """A running broker, a PostgreSQL server (URL without a database name), a folder for logs."""

    bootstrap: str
    server: str
    home: Path


@dataclass
class Result:
    events: int
    dead_letters: int = 0
    worker_restarts: int = 0
    lost: int = 0
    caught_up: bool = False
    rows: dict[str, Counter[str]] = field(default_factory=dict)  # class -> sent, refused, dead-lettered
    figures: list[str] = field(default_factory=list)


class Worker:
    """One `claimtrack worker`, started again when it died, at most ``bound`` times."""

    def __init__(self, env: dict[str, str], log: Path, bound: int) -> None:
        self.env, self.log, self.bound, self.restarts = env, log, bound, 0
        self.proc = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with open(self.log, "ab") as log:
            return subprocess.Popen([sys.executable, "-m", "streams", "worker"], cwd=REPO, env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def revive(self) -> bool:
        """Start the worker again if it died; False once the bound is spent."""
        if not self.alive():
            if self.restarts == self.bound:
                return False
            self.restarts, self.proc = self.restarts + 1, self._start()
        return True

    def errors(self) -> Counter[str]:
        """The exceptions its log reports, by their last line."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return Counter(m[:150] for m in re.findall(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b: .*$", text, re.M))


async def send_hostile(s: Settings, hostile: list[Poison], worker: Worker) -> tuple[dict[Any, str], Counter[str]]:
    """Each record alone (send and wait), so a record the broker refuses takes no other with it. Returns
    the class of the record at each (topic, partition, offset), and the refusals by class and error."""
    topic = {"articles": s.topics.articles, "claims": s.topics.claims, "changes": s.topics.changes}
    sent: dict[Any, str] = {}
    refused: Counter[str] = Counter()
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap, acks="all", request_timeout_ms=20_000)
    await producer.start()
    try:
        for n, p in enumerate(hostile):
            if n % 50 == 0:
                worker.revive()
                await asyncio.sleep(0.01)  # let the good replay interleave
            try:
                meta = await producer.send_and_wait(topic[p.role], p.value, p.key, timestamp_ms=p.timestamp_ms)
                sent[(meta.topic, meta.partition, meta.offset)] = p.cls
            except (KafkaError, ValueError) as exc:
                refused[f"{p.cls}: {type(exc).__name__}"] += 1
    finally:
        await producer.stop()
    return sent, refused


async def replay_good(s: Settings, good: list[Article], rounds: int = 10) -> None:
    for n in range(rounds):
        await replay(str(s.kafka_bootstrap), s.topics.articles, good[n::rounds], s.max_article_bytes,
                     s.topics.message_bytes)
        await asyncio.sleep(0.2)


async def projected(database_url: str, ids: list[str]) -> set[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT article_id FROM articles WHERE article_id = ANY($1::text[])", ids)
        return {r["article_id"] for r in rows}
    finally:
        await conn.close()


def run(services: Services, events: int, seed: int, articles: int, wait_timeout: float = 300,
        max_restarts: int = 5, only: list[str] | None = None, stall: float = 30) -> Result:
    """One poison run in a deployment of its own (topics, consumer group, database) on ``services``."""
    result, started = Result(events=events), time.monotonic()
    hostile = hostile_events(events, seed, only)
    good = [*(a for a in read_corpus([REPO / "seeds"]) if not isinstance(a, Failure)), *generate(articles, seed)]
    name = f"poison_{uuid.uuid4().hex[:8]}"
    url = asyncio.run(create_database(services.server, name))
    home = services.home / name
    home.mkdir(parents=True)
    s = Settings(kafka_bootstrap=services.bootstrap, database_url=url, topic_prefix=name, app_id=name, home=home)
    env = {**os.environ, "CLAIMTRACK_KAFKA_BOOTSTRAP": services.bootstrap, "CLAIMTRACK_DATABASE_URL": url,
           "CLAIMTRACK_TOPIC_PREFIX": name, "CLAIMTRACK_APP_ID": name, "CLAIMTRACK_HOME": str(home),
           "CLAIMTRACK_LOG_LEVEL": "warning"}
    t = s.topics
    asyncio.run(prepare(s, services.bootstrap, url))  # the worker's own: topics, changelog, migrations
    result.figures.append(f"{len(hostile)} hostile events generated in {time.monotonic() - started:.0f}s, "
                          f"{len(good)} good articles; deployment {name}, worker log {home / 'worker.log'}")
    worker = Worker(env, home / "worker.log", max_restarts)

    async def feed() -> tuple[dict[Any, str], Counter[str]]:
        sending = asyncio.create_task(send_hostile(s, hostile, worker))
        await replay_good(s, good)
        return await sending

    phase = time.monotonic()
    sent, refused = asyncio.run(feed())
    result.figures.append(f"sent {len(sent)} hostile events ({sum(refused.values())} refused by the broker) and "
                          f"{len(good)} good articles in {time.monotonic() - phase:.0f}s")
    phase, hangs = time.monotonic(), 0
    while worker.revive() and (left := wait_timeout - (time.monotonic() - phase)) > 0:
        behind = asyncio.run(measure_lag(s, services.bootstrap, url)).total
        try:
            asyncio.run(wait_until_caught_up(s, services.bootstrap, url, min(left, stall), still_running=worker.alive))
            result.caught_up = True
            break
        except RuntimeError:
            continue  # it exited: started again above
        except TimeoutError:
            if worker.alive() and asyncio.run(measure_lag(s, services.bootstrap, url)).total >= behind:
                hangs += 1  # alive but stuck, as a supervisor's liveness check would find: killed, started again
                localstack.stop_pid(worker.proc.pid, signal.SIGKILL)
    lag = asyncio.run(measure_lag(s, services.bootstrap, url))
    result.figures.append(f"caught up: {'yes' if result.caught_up else 'NO'} after {time.monotonic() - phase:.0f}s "
                          f"(left: {lag.processors} unprocessed, {lag.projection} unprojected); worker alive at the "
                          f"end: {worker.alive()}; restarts: {worker.restarts}, {hangs} of them after a hang (alive, "
                          f"no progress in {stall:.0f}s)")
    localstack.stop_pid(worker.proc.pid)

    result.dead_letters = sum(asyncio.run(end_offsets(services.bootstrap, [t.deadletter])).values())
    lettered: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    for _, _, letter in asyncio.run(read_letters(services.bootstrap, t.deadletter)):  # each refused record once
        stages[letter.stage] += 1
        lettered[sent.get((letter.source_topic, letter.partition, letter.offset), "(not a hostile event)")] += 1
    result.figures.append("dead letters by stage: " + (", ".join(f"{k}={v}" for k, v in sorted(stages.items()))
                                                       or "none"))
    for cls, n in Counter(sent.values()).items():
        result.rows[cls] = Counter(sent=n, dead_lettered=lettered[cls])
    if lettered["(not a hostile event)"]:
        result.rows["(not a hostile event)"] = Counter(dead_lettered=lettered["(not a hostile event)"])
    for reason, n in refused.items():
        result.rows.setdefault(reason.split(":")[0], Counter())["refused"] += n
        result.figures.append(f"refused by the broker: {reason} x{n}")

    ids = [a.article_id for a in good]
    missing = sorted(set(ids) - asyncio.run(projected(url, ids)))
    result.lost, result.worker_restarts = len(missing), worker.restarts
    if missing:
        result.figures.append(f"lost articles (first 5 of {len(missing)}): {', '.join(missing[:5])}")
    result.figures += [f"worker log: {n}x {error}" for error, n in worker.errors().most_common(8)]
    result.figures.append(f"seconds={time.monotonic() - started:.0f}")
    return result


def report(result: Result) -> None:
    print("\n".join(result.figures))
    print("\n| input class | sent | refused by the broker | dead-lettered |\n| --- | ---: | ---: | ---: |")
    total: Counter[str] = Counter()
    for cls, row in sorted(result.rows.items()):
        total.update(row)
        print(f"| {cls} | {row['sent']} | {row['refused']} | {row['dead_lettered']} |")
    print(f"| total | {total['sent']} | {total['refused']} | {total['dead_lettered']} |\n")
    print(f"events={result.events} dead_letters={result.dead_letters} worker_restarts={result.worker_restarts} "
          f"lost={result.lost}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--articles", type=int, help="generated good articles besides seeds/ (default: events/20)")
    parser.add_argument("--broker", choices=["auto", "apache", "noida"], default="auto")
    parser.add_argument("--wait-timeout", type=float, default=300, help="seconds to catch up after the sending")
    parser.add_argument("--max-restarts", type=int, default=5, help="worker restarts before giving up")
    parser.add_argument("--classes", help="only these input classes, comma-separated")
    parser.add_argument("--stall", type=float, default=30,
                        help="seconds without progress after which a live worker counts as hung and is restarted")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="claimtrack-poison-"))
    base.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    broker, _ = localstack.choose_broker(args.broker)
    bootstrap, kafka_pid = localstack.start_broker(base / "kafka-home", kind=broker)
    pg_url, pg_pid = localstack.start_postgres(base / "pg-home", port=localstack.free_port(), fast=True)
    print(f"broker: {localstack.broker_name(broker)}", flush=True)
    try:
        result = run(Services(bootstrap, pg_url.rsplit("/", 1)[0], base), args.events, args.seed,
                     max(20, args.events // 20) if args.articles is None else args.articles, args.wait_timeout,
                     args.max_restarts, args.classes.split(",") if args.classes else None, args.stall)
    finally:
        localstack.stop_pid(pg_pid, 2)  # SIGINT: PostgreSQL's fast shutdown
        localstack.stop_pid(kafka_pid)
        for data in ("pg-home", "kafka-home"):  # the worker logs stay
            shutil.rmtree(base / data, ignore_errors=True)
    report(result)
    return 0 if result.worker_restarts == 0 and result.lost == 0 and result.caught_up else 1


if __name__ == "__main__":
    sys.exit(main())
