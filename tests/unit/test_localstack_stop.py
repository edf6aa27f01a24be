"""Stopping what the local stack started leaves nothing behind, even a server that
outlives its launcher or ignores SIGTERM."""

import subprocess
import time

from streams.devstack import stack as localstack


def test_stop_waits_for_the_whole_group_and_kills_what_ignores_sigterm() -> None:
    # The launcher exits on SIGTERM at once; the process it started ignores SIGTERM.
    launcher = subprocess.Popen(["bash", "-c", "(trap '' TERM; sleep 60) & wait"], start_new_session=True)
    deadline = time.monotonic() + 5
    while len(localstack.group_members(launcher.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(localstack.group_members(launcher.pid)) == 2
    localstack.stop_pid(launcher.pid, timeout=2)
    launcher.wait(timeout=5)
    assert localstack.group_members(launcher.pid) == []
