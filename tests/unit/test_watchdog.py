"""The worker's watches: a stuck consumer is given up on, a busy or idle one is not."""

import asyncio
import contextlib
import itertools
from collections.abc import Callable

from streams.processors.watchdog import Stalled, watch_progress

Offsets = dict[tuple[str, int], tuple[int, int]]


def _run(reading: Callable[[int], Offsets], recovering: bool = False) -> list[Stalled]:
    """Feed ``reading(n)`` at the n-th check and return what was given up."""
    given: list[Stalled] = []
    checks = itertools.count()

    async def behind() -> Offsets:
        return reading(next(checks))

    async def give_up(reason: Stalled) -> None:
        given.append(reason)

    async def main() -> None:
        watch = watch_progress(behind, stall_after=0.05, give_up=give_up, recovering=lambda: recovering,
                               every=0.01)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5):
                await watch

    asyncio.run(main())
    return given


def test_work_waiting_and_no_commit_moving_is_a_stall() -> None:
    [stalled] = _run(lambda _: {("a", 0): (3, 10)})
    assert "committed nothing" in str(stalled)


def test_commits_moving_or_nothing_waiting_is_no_stall() -> None:
    assert _run(lambda n: {("a", 0): (n, 10**9)}) == []  # a commit at every check
    assert _run(lambda _: {("a", 0): (10, 10)}) == []  # nothing waits


def test_table_recovery_is_not_a_stall() -> None:
    assert _run(lambda _: {("a", 0): (3, 10)}, recovering=True) == []
