"""Two workers share the partitions of one deployment, and the history they build is the
one a single worker builds from the same corpus."""

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from streams.clients.admin import processor_offsets
from tests.generated_corpus import generate
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration


def _corpus(path: Path) -> Path:
    rows = [{"text": a.text, "outlet": a.outlet, "published_at": a.published_at.isoformat() if a.published_at else None}
            for a in generate(120, seed=5)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_two_workers_give_the_history_of_one(make_pipeline: Callable[[], Pipeline], tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "generated.jsonl")
    single, pair = make_pipeline(), make_pipeline()
    second_log = pair.settings.home / "second-worker.log"
    with open(second_log, "wb") as log:
        second = subprocess.Popen([sys.executable, "-m", "streams", "worker"], cwd=pair.repo,
                                  env={**pair.env, "CLAIMTRACK_WORKER_INSTANCE": "second"}, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        # Its projector waits on the first worker's (one per database); its processors start.
        while "Ready" not in second_log.read_text(errors="replace"):
            assert second.poll() is None and time.monotonic() < deadline, second_log.read_text()[-3000:]
            time.sleep(0.5)
        single.cli("replay", str(corpus), "--wait")
        pair.cli("replay", str(corpus), "--wait")
        # What the worker's stall watch reads: every partition committed to its end.
        offsets = asyncio.run(processor_offsets(pair.bootstrap, pair.settings.app_id,
                                                [pair.settings.topics.articles, pair.settings.topics.claims]))
        assert offsets and all(done == end for done, end in offsets.values())
        assert sum(end for _, end in offsets.values()) > 120  # the articles and their claims
        checksum = single.cli("checksum").stdout.strip()
        if checksum != pair.cli("checksum").stdout.strip():  # say which versions differ
            one, two = ({json.dumps(r, sort_keys=True) for r in json.loads(p.cli("history", "--format", "json").stdout)}
                        for p in (single, pair))
            raise AssertionError(f"one worker only: {sorted(one - two)}\ntwo workers only: {sorted(two - one)}")
        assert second.poll() is None and pair.worker is not None and pair.worker.poll() is None
        # Both members of the pair's group were given partitions of the articles topic
        # (aiokafka logs each assignment as a table after this line).
        for text in (second_log.read_text(errors="replace"), pair.worker_log()):
            table = text.rsplit("newly assigned partitions", 1)[-1].split("for group", 1)[0]
            assert f"| {pair.settings.topics.articles} " in table, table
    finally:
        second.terminate()
        second.wait(timeout=60)
