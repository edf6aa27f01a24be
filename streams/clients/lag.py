"""Has the pipeline caught up? Offsets, not sleeps: the stream processors' committed
offsets and the projection's stored offsets against the end of each topic."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from storage.projection import load_offsets
from streams.clients.progress import log_progress
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
    """The projection's offsets first, then the log's side (``log_progress``): a zero
    reading means everything produced before it has been processed and projected."""
    conn = await asyncpg.connect(database_url)
    try:
        try:
            projected = await load_offsets(conn)
        except asyncpg.UndefinedTableError:
            projected = {}
    finally:
        await conn.close()
    progress = await log_progress(bootstrap, settings.topics, settings.app_id, projected, with_delay=False)
    return Lag(processors=sum(p.lag for p in progress.partitions if p.reader == "processors"),
               projection=sum(p.lag for p in progress.partitions if p.reader == "projection"),
               dead_letters=progress.dead_letters)


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
