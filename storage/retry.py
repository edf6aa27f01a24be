"""Riding out a PostgreSQL restart: the errors that mean the server went away, and a
backoff loop around work that can safely be done again from the start."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import structlog

T = TypeVar("T")

# What a stopped, restarting or unreachable server looks like to asyncpg.
SERVER_GONE: tuple[type[BaseException], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError,
)

log = structlog.get_logger("claimtrack")


async def retrying(work: Callable[[], Awaitable[T]], what: str, give_up_after: float | None = None,
                   first_delay: float = 0.2, max_delay: float = 5.0) -> T:
    """Run ``work`` until it succeeds, waiting longer after each lost server (doubling
    from ``first_delay`` to ``max_delay``); after ``give_up_after`` seconds the last
    error is raised."""
    loop = asyncio.get_running_loop()
    deadline = None if give_up_after is None else loop.time() + give_up_after
    delay = first_delay
    while True:
        try:
            return await work()
        except SERVER_GONE as exc:
            if deadline is not None and loop.time() + delay > deadline:
                raise
            log.warning("PostgreSQL unavailable, retrying", during=what, error=str(exc) or type(exc).__name__,
                        delay=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
