"""The backoff loop the worker and the projector use when PostgreSQL goes away."""

import asyncpg
import pytest

from storage.retry import retrying


async def test_work_is_done_again_until_the_server_answers() -> None:
    failures = [OSError("connection refused"), asyncpg.CannotConnectNowError("starting up")]
    calls = 0

    async def work() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "done"

    assert await retrying(work, "test", first_delay=0.01) == "done"
    assert calls == 3


async def test_it_gives_up_with_the_last_error_after_the_limit() -> None:
    async def work() -> None:
        raise OSError("connection refused")

    with pytest.raises(OSError, match="refused"):
        await retrying(work, "test", give_up_after=0.05, first_delay=0.01)


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        raise asyncpg.UndefinedTableError("no such table")

    with pytest.raises(asyncpg.UndefinedTableError):
        await retrying(work, "test", first_delay=0.01)
    assert calls == 1
