"""The pip-only fallback: the pipeline on noida-db, for machines without Java. A smaller
set than on Apache Kafka: the seed replay, checksums, and a worker restart."""

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.devstack import stack as localstack
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own noida-db broker, in place of the session's broker."""
    bootstrap, pid = localstack.start_broker(tmp_path_factory.mktemp("noida"), kind="noida")
    try:
        yield bootstrap
    finally:
        localstack.stop_pid(pid)


def _versions(p: Pipeline) -> list[tuple[str, str, int, str]]:
    rows = json.loads(p.cli("history", "--format", "json").stdout)
    return [(r["actor_id"], r["topic"], r["version"], r["stance"]) for r in rows]


def test_seeds_replayed_on_noida_survive_a_worker_kill_and_a_second_replay(pipeline: Pipeline,
                                                                           seeds_dir: Path) -> None:
    pipeline.cli("replay", str(seeds_dir), "--wait")
    first, checksum = _versions(pipeline), pipeline.cli("checksum", "--full").stdout.strip()
    assert ("grushko", "dialogue", 1, "conditional") in first

    pipeline.kill_worker(signal.SIGKILL)
    pipeline.start_worker()
    pipeline.cli("replay", str(seeds_dir), "--wait")
    assert _versions(pipeline) == first
    assert pipeline.cli("checksum", "--full").stdout.strip() == checksum

    rebuilt = pipeline.cli("rebuild").stdout
    assert f"full checksum after  {checksum}" in rebuilt
