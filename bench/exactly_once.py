"""Does faust's exactly-once mode deliver on this broker? A probe, not a test.

Starts a broker of its own (Apache Kafka or noida-db), then for each processing
guarantee runs a faust worker whose agent re-keys a topic through ``group_by`` (a
repartition), counts in a table and sends every message on; it reports how many
outputs a ``read_committed`` consumer sees within the time limit.

    python bench/exactly_once.py [--broker apache|noida] [--messages 200] [--seconds 60]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streams.clients.admin import ensure_topics  # noqa: E402
from streams.devstack import stack  # noqa: E402

WORKER = '''
import asyncio, os, faust
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
BOOT, N, TAG = os.environ["PROBE_BOOT"], int(os.environ["PROBE_N"]), os.environ["PROBE_TAG"]
app = faust.App(f"probe-{TAG}", broker=f"kafka://{BOOT}", store="memory://", topic_partitions=3,
                topic_replication_factor=1, web_enabled=False, consumer_auto_offset_reset="earliest",
                processing_guarantee=os.environ["PROBE_GUARANTEE"])
raw = dict(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw", partitions=3)
src, out = app.topic(f"src-{TAG}", **raw), app.topic(f"out-{TAG}", **raw)
counts = app.Table(f"counts-{TAG}", default=int, partitions=3)

@app.agent(src)
async def process(stream):
    async for _, value in stream.group_by(lambda v: v[:1], name=f"by-first-{TAG}").items():
        counts[value[:1].decode()] += 1
        await out.send(key=value[:1], value=value)

@app.task
async def feed():
    producer = AIOKafkaProducer(bootstrap_servers=BOOT)
    await producer.start()
    for i in range(N):
        await producer.send_and_wait(f"src-{TAG}", key=str(i).encode(), value=f"{'abc'[i % 3]}-{i}".encode())
    await producer.stop()

@app.timer(interval=5.0)
async def report():
    consumer = AIOKafkaConsumer(f"out-{TAG}", bootstrap_servers=BOOT, isolation_level="read_committed",
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        seen = 0
        for _ in range(3):
            seen += sum(len(v) for v in (await consumer.getmany(timeout_ms=1000)).values())
    finally:
        await consumer.stop()
    print(f"PROBE outputs={seen}", flush=True)

app.main()
'''


def probe(bootstrap: str, guarantee: str, messages: int, seconds: float, folder: Path) -> int:
    script = folder / "worker.py"
    script.write_text(WORKER)
    tag = f"{guarantee}-{int(time.time())}"
    # A consumer that subscribes before its topic exists ignores it: create both first.
    asyncio.run(ensure_topics(bootstrap, [f"src-{tag}", f"out-{tag}"], 3))
    env = {**os.environ, "PROBE_BOOT": bootstrap, "PROBE_N": str(messages), "PROBE_GUARANTEE": guarantee,
           "PROBE_TAG": tag}
    try:
        run = subprocess.run([sys.executable, str(script), "worker", "-l", "warn"], cwd=folder, env=env,
                             capture_output=True, text=True, timeout=seconds)
        text = run.stdout + run.stderr
    except subprocess.TimeoutExpired as expired:
        text = (expired.stdout or b"").decode() + (expired.stderr or b"").decode()
    seen = [int(line.rsplit("=", 1)[1]) for line in text.splitlines() if "PROBE outputs=" in line]
    return max(seen, default=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--broker", choices=["auto", "apache", "noida"], default="auto")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    kind, _ = stack.choose_broker(args.broker)
    home = Path(tempfile.mkdtemp(prefix="claimtrack-eos-"))
    bootstrap, pid = stack.start_broker(home, kind=kind)
    try:
        print(f"broker: {stack.broker_name(kind)}")
        for guarantee in ("at_least_once", "exactly_once"):
            seen = probe(bootstrap, guarantee, args.messages, args.seconds, home)
            print(f"{guarantee}: {seen} of {args.messages} outputs committed within {args.seconds:.0f}s")
    finally:
        stack.stop_pid(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
