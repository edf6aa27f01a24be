"""`claimtrack serve` as a test starts it, a reader of the Server-Sent Events it sends,
and of the claim-change log they come from."""

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.clients.admin import end_offsets
from streams.devstack.processes import free_port
from tests.integration.conftest import Pipeline


@contextmanager
def serving(pipeline: Pipeline, **env: str) -> Iterator[httpx.Client]:
    """The real command, in its own process (``env`` over the deployment's), and a client
    of it once it answers."""
    with server(pipeline, **env) as (client, _):
        yield client


@contextmanager
def server(pipeline: Pipeline, *args: str, **env: str) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`claimtrack serve` with ``args``, a client of it once it answers, and its process."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streams", "serve", "--port", str(port), *args],
                               cwd=pipeline.repo, env={**pipeline.env, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client.get("/actors").raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"claimtrack serve did not answer: {process.communicate()[0]!r}") from None
                time.sleep(0.2)
        yield client, process
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Sent:
    id: str
    event: str
    data: str


def sse_events(lines: Iterable[str]) -> Iterator[Sent]:
    """Events as the SSE format frames them: fields until a blank line; comments skipped."""
    fields: dict[str, list[str]] = {}
    for line in lines:
        if not line:
            if "data" in fields:
                yield Sent(fields.get("id", [""])[-1], fields.get("event", ["message"])[-1], "\n".join(fields["data"]))
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))


def changes_ends(p: Pipeline) -> dict[int, int]:
    ends = asyncio.run(end_offsets(p.bootstrap, [p.settings.topics.changes]))
    return {partition: offset for (_, partition), offset in ends.items()}


def logged_events(p: Pipeline, start: dict[int, int], end: dict[int, int]) -> list[dict[str, Any]]:
    """The events on the claim-changes topic between two places, read straight from the log."""

    async def read() -> list[dict[str, Any]]:
        consumer = AIOKafkaConsumer(bootstrap_servers=p.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = {n: TopicPartition(p.settings.topics.changes, n) for n in end if end[n] > start.get(n, 0)}
            consumer.assign(list(tps.values()))
            for n, tp in tps.items():
                consumer.seek(tp, start.get(n, 0))
            events: list[dict[str, Any]] = []
            while [n for n, tp in tps.items() if await consumer.position(tp) < end[n]]:
                for tp, messages in (await consumer.getmany(timeout_ms=1000)).items():
                    events += [json.loads(m.value) for m in messages if m.offset < end[tp.partition]]
            return events
        finally:
            await consumer.stop()

    return asyncio.run(read())


def logged_ids(p: Pipeline, start: dict[int, int], end: dict[int, int]) -> list[str]:
    return [e["event_id"] for e in logged_events(p, start, end)]


def read_events(response: httpx.Response, count: int | None = None, until: str | None = None) -> list[Sent]:
    """``count`` events, or events until the one whose id is ``until``."""
    got: list[Sent] = []
    for sent in sse_events(response.iter_lines()):
        got.append(sent)
        if len(got) == count or sent.id == until:
            break
    return got
