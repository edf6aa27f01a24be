"""No silent drops: an event that the projector or a subscriber cannot decode is
dead-lettered with its stage, reason and place in the log, and the lag report counts it."""

import asyncio
import json
import subprocess
import sys
import time

import pytest
from aiokafka import AIOKafkaProducer

from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration


def _letters(p: Pipeline) -> list[dict[str, object]]:
    return list(json.loads(p.cli("deadletter", "list", "--format", "json").stdout))


def test_an_undecodable_claim_change_is_dead_lettered_by_the_projector_and_the_subscriber(pipeline: Pipeline) -> None:
    pipeline.cli("replay", "seeds/000_d07fadb290a2279d.txt", "--wait")
    changes = pipeline.settings.topics.changes

    async def send_garbage() -> tuple[int, int]:
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.bootstrap)
        await producer.start()
        try:
            sent = await producer.send_and_wait(changes, key=b"grushko|dialogue", value=b'{"not": "an event"}')
            return sent.partition, sent.offset
        finally:
            await producer.stop()

    partition, offset = asyncio.run(send_garbage())
    place = (changes, partition, offset)

    deadline = time.monotonic() + 60
    while not any((x["stage"], x["source_topic"], x["partition"], x["offset"]) == ("project", *place)
                  for x in _letters(pipeline)):
        assert time.monotonic() < deadline, "the projector never dead-lettered the event"
        time.sleep(1)

    run = subprocess.run([sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--group", "dl-check",
                          "--idle-timeout", "3"], cwd=pipeline.repo, env=pipeline.env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    letters = {(x["stage"], x["source_topic"], x["partition"], x["offset"]): x for x in _letters(pipeline)}
    assert ("subscribe:dl-check", *place) in letters
    assert letters[("project", *place)]["reason"] and letters[("subscribe:dl-check", *place)]["reason"]

    # The lag report counts them, and the pipeline still flows.
    out = pipeline.cli("replay", "seeds/001_9a54b47509b58aee.txt", "--wait").stdout
    assert "dead letter(s)" in out
