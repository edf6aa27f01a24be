"""The short poison run: 200 hostile events (bench/poison.py) on every topic while good
articles are replayed, against the suite's broker and PostgreSQL. The worker must
survive them all, every good article must be projected, and the refused events must be
on the dead-letter topic."""

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration


def _bench(repo: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_poison", repo / "bench" / "poison.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(300)
def test_a_short_poison_run_kills_no_worker_and_loses_no_article(
        repo: Path, kafka_bootstrap: str, postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    poison = _bench(repo)
    started = time.monotonic()
    result = poison.run(poison.Services(kafka_bootstrap, postgres_server, tmp_path_factory.mktemp("poison")),
                        events=200, seed=1, articles=20, wait_timeout=45, max_restarts=1, stall=20)
    poison.report(result)
    print(f"short poison run: {time.monotonic() - started:.0f}s")
    assert result.worker_restarts == 0, "the worker died: see the worker log lines above"
    assert result.lost == 0, f"{result.lost} good articles are not in the projection"
    assert result.dead_letters > 0, "no hostile event was dead-lettered"
