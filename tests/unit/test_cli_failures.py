"""Every command, every failure, one line: bad settings and unreachable services, run as
a user runs the CLI (a process of its own, its stderr read back)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.devstack.processes import free_port

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [["positions"], ["history", "--actor", "grushko"], ["replay", "seeds", "--wait"], ["down"], ["worker"]]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    return subprocess.run([sys.executable, "-m", "streams", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**base, "CLAIMTRACK_HOME": str(tmp_path), **env})


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("claimtrack: error: ")
    return lines[0]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
@pytest.mark.parametrize(("variable", "value", "says"), [
    ("CLAIMTRACK_PARTITIONS", "0", "greater than or equal to 1"),
    ("CLAIMTRACK_MAX_ARTICLE_BYTES", "abc", "valid integer"),
    ("CLAIMTRACK_TOPIC_PREFIX", "", "should match pattern"),
    ("CLAIMTRACK_LOG_LEVEL", "loud", "'debug', 'info', 'warning' or 'error'"),
])
def test_a_bad_setting_is_named_in_one_line_with_exit_2(tmp_path: Path, args: list[str], variable: str, value: str,
                                                        says: str) -> None:
    result = run(args, tmp_path, **{variable: value})
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"claimtrack: error: {variable}={value}: ") and says in line


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_closed_ports_give_one_line_naming_the_address(tmp_path: Path, args: list[str]) -> None:
    broker, database = f"127.0.0.1:{free_port()}", f"postgresql://postgres@127.0.0.1:{free_port()}/claims"
    result = run(args, tmp_path, CLAIMTRACK_KAFKA_BOOTSTRAP=broker, CLAIMTRACK_DATABASE_URL=database)
    assert result.returncode == 1
    line = one_line(result)
    if args[0] == "down":
        assert line == f"claimtrack: error: nothing to stop: no local stack runs under {tmp_path}"
    elif args[0] in ("positions", "history"):  # query commands need the database only
        assert f"cannot reach PostgreSQL at 127.0.0.1:{database.rsplit(':', 1)[1].split('/')[0]}/claims" in line
    else:
        assert f"cannot reach the Kafka broker at {broker}" in line


def test_usage_errors_exit_2_and_an_offline_command_needs_no_service(tmp_path: Path) -> None:
    bad = run(["history", "--as-of", "yesterday"], tmp_path)
    assert bad.returncode == 2 and "--as-of takes a date" in one_line(bad)
    unknown = run(["replay", "--order", "sideways"], tmp_path)
    assert unknown.returncode == 2 and "sideways" in one_line(unknown)
    offline = run(["extract", "seeds/000_d07fadb290a2279d.txt"], tmp_path,
                  CLAIMTRACK_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}")
    assert offline.returncode == 0 and offline.stdout.count("\n") >= 1
