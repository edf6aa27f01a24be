"""The layers depend downwards only, and the code passes its linters."""

import shutil
import subprocess
import sys
from pathlib import Path


def _tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def test_layer_contracts_hold(repo: Path) -> None:
    run = subprocess.run([_tool("lint-imports")], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_finds_nothing(repo: Path) -> None:
    run = subprocess.run([_tool("ruff"), "check", "."], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_finds_nothing(repo: Path) -> None:
    run = subprocess.run([_tool("mypy")], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
