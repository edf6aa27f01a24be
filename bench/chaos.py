"""Chaos run: nothing lost, nothing doubled.

Replays a generated corpus into a fresh local stack while killing the worker with
SIGKILL (by its own pid) at random moments and restarting it; then does the same
to the projector alone, restarts PostgreSQL in mid-run, and (with --broker-kills)
kills the broker itself. Each run's valid-time
checksum must equal a clean run's, and its full checksum must equal that of a
projection rebuilt from scratch from the same log.

    python bench/chaos.py --articles 2000 --kills 20 --broker-kills 10 --seed 1 [--broker apache|noida]

The last line reads ``kills=K events=E mismatches=M``: K SIGKILLs in each of the
worker and projector scenarios, E events in the logs of all runs; M must be 0. The
line before it gives the broker's peak resident memory over the whole run.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from extract_speed import generate  # noqa: E402

from storage.checksum import full_checksum, valid_time_checksum  # noqa: E402
from storage.databases import create_database  # noqa: E402
from streams.clients.admin import end_offsets, processor_offsets  # noqa: E402
from streams.clients.lag import wait_until_caught_up  # noqa: E402
from streams.config import Settings  # noqa: E402
from streams.devstack import stack as localstack  # noqa: E402
from streams.logs import configure as configure_logs  # noqa: E402
from streams.projector.service import Projector  # noqa: E402

MAX_WORKER_RESTARTS = 5


def say(message: str) -> None:
    print(message, flush=True)


class PeakMemory(threading.Thread):
    """The broker's largest resident memory, sampled every second; a restarted broker
    (a new pid) is followed."""

    def __init__(self, stack: "Stack") -> None:
        super().__init__(daemon=True)
        self.stack, self.peak_mb = stack, 0.0

    def run(self) -> None:
        while True:
            with contextlib.suppress(OSError, ValueError):
                for line in Path(f"/proc/{self.stack.kafka_pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
            time.sleep(1.0)


class Stack:
    """A broker and a PostgreSQL cluster of our own, each restartable on its port."""

    def __init__(self, home: Path, broker: localstack.BrokerKind) -> None:
        self.home = home
        self.broker = broker
        self.bootstrap, self.kafka_pid = localstack.start_broker(home / "kafka-home", kind=broker)
        self.pg_port = localstack.free_port()
        url, self.pg_pid = localstack.start_postgres(home / "pg-home", port=self.pg_port, fast=True)
        self.server = url.rsplit("/", 1)[0]

    def restart_postgres(self) -> None:
        localstack.stop_pid(self.pg_pid, signal.SIGINT)
        _, self.pg_pid = localstack.start_postgres(self.home / "pg-home", port=self.pg_port, fast=True)

    def kill_broker(self) -> None:
        """SIGKILL the broker, as a crash would: no flush, no goodbye to clients."""
        localstack.stop_pid(self.kafka_pid, signal.SIGKILL)

    def start_broker(self) -> None:
        port = int(self.bootstrap.rsplit(":", 1)[1])
        self.bootstrap, self.kafka_pid = localstack.start_broker(self.home / "kafka-home", port, kind=self.broker)

    def stop(self) -> None:
        localstack.stop_pid(self.pg_pid, signal.SIGINT)
        localstack.stop_pid(self.kafka_pid)


class Deployment:
    """One claimtrack deployment on the stack: its own topics, consumer group and database."""

    def __init__(self, stack: Stack, label: str, wait_timeout: float) -> None:
        self.stack = stack
        self.wait_timeout = wait_timeout
        self.name = f"chaos_{label}_{uuid.uuid4().hex[:6]}"
        self.database_url = asyncio.run(create_database(stack.server, self.name))
        self.home = stack.home / self.name
        self.home.mkdir()
        self.settings = Settings(kafka_bootstrap=stack.bootstrap, database_url=self.database_url,
                                 topic_prefix=self.name, app_id=self.name, home=self.home)
        self.env = {**os.environ, "CLAIMTRACK_KAFKA_BOOTSTRAP": stack.bootstrap,
                    "CLAIMTRACK_DATABASE_URL": self.database_url, "CLAIMTRACK_TOPIC_PREFIX": self.name,
                    "CLAIMTRACK_APP_ID": self.name, "CLAIMTRACK_HOME": str(self.home),
                    "CLAIMTRACK_LOG_LEVEL": "warning",
                    # A consumer stuck after a broker outage exits, for the run to start it again
                    # as a supervisor would, well within the run's wait.
                    "CLAIMTRACK_STALL_TIMEOUT": "60"}

    def start(self, *command: str) -> subprocess.Popen[bytes]:
        log = open(self.home / f"{command[0]}.log", "ab")  # noqa: SIM115 - lives as long as the process
        return subprocess.Popen([sys.executable, "-m", "streams", *command], cwd=REPO, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def replay(self, corpus: Path, seed: int) -> subprocess.Popen[bytes]:
        return self.start("replay", str(corpus), "--order", "shuffle", "--seed", str(seed))

    def wait(self, *running: subprocess.Popen[bytes]) -> None:
        """Until the pipeline has caught up; fails at once if one of ``running`` exits."""
        def all_running() -> bool:
            return all(p.poll() is None for p in running)

        try:
            asyncio.run(wait_until_caught_up(self.settings, self.stack.bootstrap, self.database_url,
                                             self.wait_timeout, still_running=all_running))
        except RuntimeError:
            dead = " ".join(f"pid {p.pid} ({p.args!r})" for p in running if p.poll() is not None)
            raise RuntimeError(f"{self.name}: {dead} exited before the pipeline caught up; see {self.home}") from None

    def wait_for_first_commit(self, worker: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
        """Until the worker's stream processors have committed an offset."""
        topics = [self.settings.topics.articles, self.settings.topics.claims]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and worker.poll() is None:
            try:
                offsets = asyncio.run(processor_offsets(self.stack.bootstrap, self.settings.app_id, topics))
            except Exception:  # topics not made yet
                offsets = {}
            if any(done for done, _ in offsets.values()):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: the worker committed nothing in {timeout:.0f}s; see {self.home}")

    def lag(self) -> int:
        from streams.clients.lag import measure_lag

        try:
            return asyncio.run(measure_lag(self.settings, self.stack.bootstrap, self.database_url)).total
        except (OSError, asyncpg.PostgresError):
            return 1

    def events(self) -> int:
        ends = asyncio.run(end_offsets(self.stack.bootstrap, list(self.settings.topics.projected)))
        return sum(ends.values())

    def checksums(self) -> tuple[str, str]:
        return asyncio.run(_checksums(self.database_url))

    def rebuilt_full_checksum(self) -> str:
        """A projection built from scratch from this deployment's log, in a new database."""
        return asyncio.run(_fresh_projection(self.stack, self.settings))



async def _checksums(url: str) -> tuple[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return await valid_time_checksum(conn), await full_checksum(conn)
    finally:
        await conn.close()


async def _fresh_projection(stack: Stack, settings: Settings) -> str:
    url = await create_database(stack.server, f"{settings.app_id}_fresh")
    ends = {k: v for k, v in (await end_offsets(stack.bootstrap, list(settings.topics.projected))).items() if v}
    stop = asyncio.Event()
    projector = Projector(stack.bootstrap, url, settings.topics)
    task = asyncio.create_task(projector.run(stop))
    conn = await asyncpg.connect(url)
    try:
        while True:
            await asyncio.sleep(0.5)
            if await conn.fetchval("SELECT to_regclass('projection_offsets') IS NOT NULL"):
                stored = {(r["topic"], r["partition"]): r["next_offset"]
                          for r in await conn.fetch("SELECT * FROM projection_offsets")}
                if all(stored.get(k, 0) >= v for k, v in ends.items()):
                    break
        stop.set()
        await task
        return await full_checksum(conn)
    finally:
        await conn.close()


def write_corpus(folder: Path, articles: int, seed: int) -> Path:
    path = folder / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for article in generate(articles, seed):
            out.write(json.dumps({"text": article.text, "published_at": str(article.published_at)}) + "\n")
    return path


def kill_and_restart(d: Deployment, proc: subprocess.Popen[bytes], command: tuple[str, ...],
                     kills: int, corpus: Path, rnd: random.Random) -> tuple[subprocess.Popen[bytes], int]:
    """Kill ``proc`` with SIGKILL ``kills`` times at random moments while the pipeline is busy,
    restarting it each time. When the pipeline runs dry, the corpus is replayed again."""
    done = 0
    replay = d.replay(corpus, rnd.randrange(1 << 30))
    while done < kills:
        time.sleep(rnd.uniform(0.5, 3.0))
        if replay.poll() is not None and d.lag() == 0:
            replay = d.replay(corpus, rnd.randrange(1 << 30))  # give it more work: a re-replay changes nothing
            continue
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        done += 1
        proc = d.start(*command)
    replay.wait()
    return proc, done


def kill_scenario(stack: Stack, label: str, victim: tuple[str, ...], beside: tuple[str, ...] | None,
                  corpus: Path, clean_valid: str, args: argparse.Namespace,
                  rnd: random.Random) -> tuple[int, int, int]:
    """A deployment whose ``victim`` command is killed ``args.kills`` times while ``beside``
    (if given) runs next to it; returns (kills, events in its log, mismatches)."""
    started = time.monotonic()
    d = Deployment(stack, label, args.wait_timeout)
    others = [d.start(*beside)] if beside else []
    proc, done = kill_and_restart(d, d.start(*victim), victim, args.kills, corpus, rnd)
    d.wait(proc, *others)
    for p in (proc, *others):
        localstack.stop_pid(p.pid)
    return done, d.events(), compare(f"{label} killed {done} times", d, clean_valid, started)


def broker_scenario(stack: Stack, corpus: Path, clean_valid: str, args: argparse.Namespace,
                    rnd: random.Random) -> tuple[int, int, int]:
    """The broker killed with SIGKILL ``args.broker_kills`` times during one replay and
    started again on its port. The replay producer (acks=all, idempotent) is run again
    only when it failed; the worker is started again only if it died. Returns (kills,
    events in the log, mismatches)."""
    started = time.monotonic()
    d = Deployment(stack, "broker", args.wait_timeout)
    worker = d.start("worker")
    replay = d.replay(corpus, rnd.randrange(1 << 30))
    replays = worker_restarts = 0
    # The outages fall on a pipeline at work, not on its first deployment: a broker killed
    # within seconds of creating the deployment's topics can come back without them.
    d.wait_for_first_commit(worker)
    for _ in range(args.broker_kills):
        time.sleep(rnd.uniform(1.0, 4.0))
        stack.kill_broker()
        time.sleep(rnd.uniform(0.2, 2.0))
        stack.start_broker()
        if replay.poll() not in (None, 0):
            replay, replays = d.replay(corpus, rnd.randrange(1 << 30)), replays + 1
    while replay.wait() != 0:
        replay, replays = d.replay(corpus, rnd.randrange(1 << 30)), replays + 1
    while True:  # a worker that the outage crashed is started again, as its supervisor would
        if worker.poll() is not None:
            if worker_restarts == MAX_WORKER_RESTARTS:
                raise RuntimeError(f"{d.name}: the worker died {worker_restarts + 1} times; see {d.home}")
            worker, worker_restarts = d.start("worker"), worker_restarts + 1
        try:
            d.wait(worker)
            break
        except RuntimeError:
            continue
    localstack.stop_pid(worker.pid)
    label = (f"broker ({localstack.broker_name(stack.broker)}) killed {args.broker_kills} times "
             f"(replays run again: {replays}, worker restarts: {worker_restarts})")
    return args.broker_kills, d.events(), compare(label, d, clean_valid, started)


def compare(label: str, d: Deployment, clean_valid: str, since: float) -> int:
    valid, full = d.checksums()
    rebuilt = d.rebuilt_full_checksum()
    mismatches = (valid != clean_valid) + (full != rebuilt)
    say(f"{label}: valid-time {valid} (clean {clean_valid}), full {full} (rebuilt {rebuilt}), "
        f"events={d.events()} mismatches={mismatches} ({time.monotonic() - since:.0f}s)")
    return mismatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-restarts", type=int, default=2)
    parser.add_argument("--broker", choices=["auto", "apache", "noida"], default="auto",
                        help="the broker to run: Apache Kafka, noida-db, or auto (Apache Kafka where Java is)")
    parser.add_argument("--broker-kills", type=int, default=0, help="SIGKILLs of the broker in its own scenario")
    parser.add_argument("--wait-timeout", type=float, default=900,
                        help="seconds each run may take to catch up once the faults stop")
    args = parser.parse_args()
    configure_logs("warning")
    rnd = random.Random(args.seed)

    base = Path(tempfile.mkdtemp(prefix="claimtrack-chaos-"))
    base.chmod(0o755)  # PostgreSQL runs as an unprivileged user when we are root
    broker, _ = localstack.choose_broker(args.broker)
    stack = Stack(base, broker)
    say(f"broker: {localstack.broker_name(broker)}")
    memory = PeakMemory(stack)
    memory.start()
    started = time.monotonic()
    try:
        corpus = write_corpus(base, args.articles, args.seed)
        say(f"corpus: {args.articles} articles in {corpus}")

        clean = Deployment(stack, "clean", args.wait_timeout)
        worker = clean.start("worker")
        clean.replay(corpus, 0).wait()
        clean.wait(worker)
        clean_valid, _ = clean.checksums()
        localstack.stop_pid(worker.pid)
        say(f"clean run: valid-time {clean_valid}, events={clean.events()} ({time.monotonic() - started:.0f}s)")

        mismatches = events = 0
        kills: dict[str, int] = {}

        for label, victim, beside in (("worker", ("worker",), None),
                                      ("projector", ("project",), ("worker", "--no-projector"))):
            done, logged, missed = kill_scenario(stack, label, victim, beside, corpus, clean_valid, args, rnd)
            kills[label] = done
            events += logged
            mismatches += missed

        phase = time.monotonic()
        d = Deployment(stack, "postgres", args.wait_timeout)
        worker = d.start("worker")
        replay = d.replay(corpus, rnd.randrange(1 << 30))
        for _ in range(args.pg_restarts):
            time.sleep(rnd.uniform(1.0, 4.0))
            stack.restart_postgres()
        replay.wait()
        d.wait(worker)
        alive = localstack.alive(worker.pid)
        localstack.stop_pid(worker.pid)
        events += d.events()
        mismatches += compare(f"PostgreSQL restarted {args.pg_restarts} times, worker survived={alive}", d,
                              clean_valid, phase)
        mismatches += 0 if alive else 1

        if args.broker_kills:
            done, logged, missed = broker_scenario(stack, corpus, clean_valid, args, rnd)
            events += logged
            mismatches += missed

        say(f"seconds={time.monotonic() - started:.0f}")
        say(f"SIGKILLs: worker {kills['worker']}, projector {kills['projector']}, broker {args.broker_kills}; "
            f"PostgreSQL restarts: {args.pg_restarts}")
        mismatches += sum(done != args.kills for done in kills.values())  # a scenario cut short proves less
        say(f"broker peak resident memory: {memory.peak_mb:.0f} MB")
        say(f"kills={args.kills} events={events} mismatches={mismatches}")
        return 0 if mismatches == 0 else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
