"""How the faust app is put together: the parts that let a killed worker resume."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from faust.tables.recovery import Recovery

from streams.config import Settings
from streams.processors.app import create_app
from streams.processors.recovery import SeekFirstRecovery, SeekFirstTableManager


def settings(tmp_path: Path, worker_instance: str | None = None) -> Settings:
    return Settings(kafka_bootstrap="localhost:1", database_url="postgresql://x/y", home=tmp_path,
                    app_id="ct_wiring", worker_instance=worker_instance)


def test_a_worker_is_a_static_group_member_named_after_its_app_and_host(tmp_path: Path) -> None:
    s = settings(tmp_path)
    app = create_app(s, "localhost:1")
    assert app.conf.consumer_group_instance_id == s.group_instance_id
    assert s.group_instance_id.startswith("ct_wiring@") and len(s.group_instance_id) > len("ct_wiring@")


def test_an_explicit_worker_instance_wins(tmp_path: Path) -> None:
    s = settings(tmp_path, worker_instance="worker-2")
    assert create_app(s, "localhost:1").conf.consumer_group_instance_id == "worker-2"


def test_table_recovery_seeks_before_it_lets_messages_through(tmp_path: Path) -> None:
    tables: Any = create_app(settings(tmp_path), "localhost:1").tables
    assert isinstance(tables, SeekFirstTableManager)
    assert isinstance(tables.recovery, SeekFirstRecovery)


async def test_the_flow_is_shut_when_the_base_recovery_seeks_and_reopens_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    app: Any = create_app(settings(tmp_path), "localhost:1")
    flow_open_at_base: list[bool] = []

    async def base(self: Any, generation_id: int = 0) -> None:  # stands in for faust's seek-then-resume
        flow_open_at_base.append(self.app.consumer.flow_active)

    monkeypatch.setattr(Recovery, "on_recovery_completed", base)
    app.consumer.resume_flow()  # as faust leaves it after reading the changelogs
    await app.tables.recovery.on_recovery_completed(1)
    assert flow_open_at_base == [False]


def test_the_worker_leaves_debug_lines_unmade_at_its_log_level(tmp_path: Path) -> None:
    """faust's spinner would turn the root logger down to DEBUG; run in a process of its
    own, since the worker configures logging for the whole process."""
    script = f"""
import logging, sys
from streams.config import Settings
from streams.processors.app import create_app
from streams.processors.runner import Worker
s = Settings(kafka_bootstrap="localhost:1", database_url="postgresql://x/y", home={str(tmp_path)!r}, app_id="ct_log")
worker = Worker(create_app(s, "localhost:1"), loglevel="warning", quiet=True)
worker._setup_logging()
print(logging.getLogger("aiokafka.producer.producer").isEnabledFor(logging.DEBUG),
      logging.getLogger().isEnabledFor(logging.WARNING), file=sys.__stdout__)  # faust redirects stdout
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert out.stdout.split()[-2:] == ["False", "True"], out.stdout + out.stderr
