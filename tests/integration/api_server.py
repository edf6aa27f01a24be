"""`claimtrack serve` as a test starts it, and a reader of the Server-Sent Events it sends."""

import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from streams.devstack.processes import free_port
from tests.integration.conftest import Pipeline


@contextmanager
def serving(pipeline: Pipeline, **env: str) -> Iterator[httpx.Client]:
    """The real command, in its own process (``env`` over the deployment's), and a client
    of it once it answers."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "streams", "serve", "--port", str(port)], cwd=pipeline.repo,
                              env={**pipeline.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client.get("/actors").raise_for_status()
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"claimtrack serve did not answer: {server.communicate()[0]!r}") from None
                time.sleep(0.2)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=30)


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
