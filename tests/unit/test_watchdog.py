"""The worker's watches: a stuck consumer is given up on, a busy or idle one is not."""

import asyncio
import contextlib

from streams.processors.watchdog import Stalled, watch_progress

Offsets = dict[tuple[str, int], tuple[int, int]]


def _run(readings: list[Offsets], recovering: bool = False) -> list[Stalled]:
    """Feed ``readings`` one per check (the last repeats) and return what was given up."""
    given: list[Stalled] = []

    async def behind() -> Offsets:
        return readings.pop(0) if len(readings) > 1 else readings[0]

    async def give_up(reason: Stalled) -> None:
        given.append(reason)

    async def main() -> None:
        watch = watch_progress(behind, stall_after=0.05, give_up=give_up, recovering=lambda: recovering,
                               every=0.01)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch, timeout=0.5)

    asyncio.run(main())
    return given


def test_work_waiting_and_no_commit_moving_is_a_stall() -> None:
    [stalled] = _run([{("a", 0): (3, 10)}])
    assert "committed nothing" in str(stalled)


def test_commits_moving_or_nothing_waiting_is_no_stall() -> None:
    moving = [{("a", 0): (n, 1000)} for n in range(100)]
    assert _run(moving) == []
    assert _run([{("a", 0): (10, 10)}]) == []


def test_table_recovery_is_not_a_stall() -> None:
    assert _run([{("a", 0): (3, 10)}], recovering=True) == []
