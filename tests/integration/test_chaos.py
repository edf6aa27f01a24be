"""The short chaos run: a few hundred articles while the worker, then the projector
alone, is killed with SIGKILL and restarted, PostgreSQL restarts in mid-run, and the
broker is killed with SIGKILL and started again.

It starts a broker (Apache Kafka where Java is found) and a PostgreSQL cluster of its
own, since it restarts both, whatever services the other integration tests use.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

KILLS = 3
BROKER_KILLS = 2


@pytest.mark.timeout(1200)  # about two minutes on 2 cores; a stuck pipeline fails inside the run first
def test_a_short_chaos_run_loses_nothing_and_doubles_nothing(repo: Path) -> None:
    run = subprocess.run(
        [sys.executable, "bench/chaos.py", "--articles", "300", "--kills", str(KILLS), "--pg-restarts", "1",
         "--broker-kills", str(BROKER_KILLS), "--seed", "7", "--wait-timeout", "240"],
        cwd=repo, capture_output=True, text=True, timeout=1100,
    )
    print(run.stdout)
    assert run.returncode == 0, f"chaos run failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    last = run.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"kills=(\d+) events=(\d+) mismatches=(\d+)", last)
    assert m, f"unexpected last line: {last!r}"
    assert int(m[1]) == KILLS
    assert f"SIGKILLs: worker {KILLS}, projector {KILLS}, broker {BROKER_KILLS}" in run.stdout
    assert int(m[2]) > 300
    assert int(m[3]) == 0
