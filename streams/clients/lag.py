"""Has the pipeline caught up? Offsets, not sleeps: the stream processors' committed
offsets and the projection's stored offsets against the end of each topic."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from storage.projection import load_offsets
from streams.clients.admin import committed_offsets, end_offsets
from streams.config import Settings


@dataclass(frozen=True)
class Lag:
    processors: int  # messages the faust agents have not committed yet
    projection: int  # messages the projection has not stored yet
    dead_letters: int = 0  # messages refused along the way, in the dead-letter topic (not lag: they are done)

    @property
    def total(self) -> int:
        return self.processors + self.projection


async def measure_lag(settings: Settings, bootstrap: str, database_url: str) -> Lag:
    """Reads progress first and end offsets last: progress can only trail the ends, so a
    zero reading means everything produced before it has been processed and projected."""
    t = settings.topics
    committed = await committed_offsets(bootstrap, settings.app_id, [t.articles, t.claims])
    conn = await asyncpg.connect(database_url)
    try:
        try:
            projected = await load_offsets(conn)
        except asyncpg.UndefinedTableError:
            projected = {}
    finally:
        await conn.close()
    ends = await end_offsets(bootstrap, [*t.projected, t.deadletter])
    dead_letters = sum(end for (topic, _), end in ends.items() if topic == t.deadletter)
    ends = {k: end for k, end in ends.items() if k[0] != t.deadletter}
    processors = sum(max(0, ends[k] - committed.get(k, 0)) for k in committed)
    projection = sum(max(0, end - projected.get(k, 0)) for k, end in ends.items())
    return Lag(processors, projection, dead_letters)


async def wait_until_caught_up(
    settings: Settings, bootstrap: str, database_url: str, timeout: float, poll: float = 0.5,
    still_running: Callable[[], bool] = lambda: True,
) -> Lag:
    """Return once a reading shows no lag; raise TimeoutError when it takes too long
    and RuntimeError when ``still_running`` says the worker is gone."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        lag = await measure_lag(settings, bootstrap, database_url)
        if lag.total == 0:
            return lag
        if not still_running():
            raise RuntimeError("the worker exited before the projection caught up")
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"still behind after {timeout:.0f}s: {lag.processors} unprocessed, "
                               f"{lag.projection} unprojected messages (is `claimtrack worker` running?)")
        await asyncio.sleep(poll)
