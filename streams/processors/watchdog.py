"""A worker that has lost its broker waits for it, then gives up: the Kafka clients
would otherwise retry forever, and an operator would see a live process doing nothing."""

import asyncio
from collections.abc import Awaitable, Callable

from streams.clients.reach import broker_answers
from streams.logs import log


class BrokerLost(RuntimeError):
    """The broker did not answer for longer than the worker is configured to wait."""


async def watch_broker(bootstrap: str, give_up_after: float, give_up: Callable[[BrokerLost], Awaitable[None]],
                       every: float = 2.0) -> None:
    """Check every ``every`` seconds that the broker answers; after ``give_up_after``
    seconds without an answer, call ``give_up`` and return."""
    loop = asyncio.get_running_loop()
    lost_since: float | None = None
    while True:
        await asyncio.sleep(every)
        if await broker_answers(bootstrap):
            if lost_since is not None:
                log.info("the Kafka broker answers again", bootstrap=bootstrap,
                         after_seconds=round(loop.time() - lost_since, 1))
            lost_since = None
            continue
        if lost_since is None:
            lost_since = loop.time()
            log.warning("lost the Kafka broker; waiting for it", bootstrap=bootstrap, give_up_after=give_up_after)
        elif loop.time() - lost_since >= give_up_after:
            message = (f"the Kafka broker at {bootstrap} has not answered for {give_up_after:.0f}s "
                       "(CLAIMTRACK_BROKER_GIVE_UP); the worker stops, and a restart resumes where it left off")
            log.error(message)
            await give_up(BrokerLost(message))
            return


class Stalled(RuntimeError):
    """The stream processors made no progress for too long while there was work and the
    broker answered: their consumer is stuck, which only a restart cures."""


async def watch_progress(behind: Callable[[], Awaitable[dict[tuple[str, int], tuple[int, int]]]],
                         stall_after: float, give_up: Callable[[Stalled], Awaitable[None]],
                         recovering: Callable[[], bool] = lambda: False, every: float = 10.0) -> None:
    """Every ``every`` seconds ask ``behind`` for each partition's (committed, end)
    offsets; when some partition has work and no committed offset has moved for
    ``stall_after`` seconds, call ``give_up`` and return. A broker that does not answer
    is the other watch's business, and table recovery is slow by nature: either resets
    the clock."""
    loop = asyncio.get_running_loop()
    last: dict[tuple[str, int], int] | None = None
    still_since = loop.time()
    while True:
        await asyncio.sleep(every)
        if recovering():
            still_since = loop.time()
            continue
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 a wait_for that finishes as its
            # caller is cancelled can swallow the cancellation, and this loop would never end.
            async with asyncio.timeout(every):
                offsets = await behind()
        except Exception:  # the broker is away: watch_broker decides about that
            still_since = loop.time()
            continue
        committed = {tp: done for tp, (done, _) in offsets.items()}
        waiting = any(done < end for done, end in offsets.values())
        if committed != last or not waiting:
            last, still_since = committed, loop.time()
            continue
        if loop.time() - still_since >= stall_after:
            message = (f"the stream processors have committed nothing for {stall_after:.0f}s although messages "
                       "wait and the broker answers (CLAIMTRACK_STALL_TIMEOUT); the worker stops, and a restart "
                       "resumes where it left off")
            log.error(message)
            await give_up(Stalled(message))
            return
