"""A client of /events that comes back after the log's retention dropped changes it had
not read is told which, before anything else, then gets every change the log kept."""

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.records_to_delete import RecordsToDelete

from schemas.place import format_place
from tests.integration.api_server import changes_ends, logged_ids, read_events, serving
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration


async def drop_before(bootstrap: str, topic: str, offsets: dict[int, int]) -> None:
    """What retention does: the partition's messages before the offset are gone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_records({TopicPartition(topic, p): RecordsToDelete(o) for p, o in offsets.items()})
    finally:
        await admin.close()


def test_a_client_back_after_retention_hears_of_the_gap_then_gets_what_was_kept(
        make_pipeline: Callable[..., Pipeline], tmp_path: Path) -> None:
    p = make_pipeline()
    p.cli("replay", "seeds", "--wait")
    end = changes_ends(p)
    dropped = {n: offset // 2 for n, offset in end.items() if offset >= 4}
    assert dropped, f"the seeds left too few claim changes to drop some: {end}"
    topic = p.settings.topics.changes
    asyncio.run(drop_before(p.bootstrap, topic, dropped))

    with serving(p) as client:
        # The client had read a change of each partition before it went away.
        read = {n: min(1, offset) for n, offset in end.items()}
        with client.stream("GET", "/events", params={"after": format_place(read)}) as response:
            assert response.status_code == 200
            got = read_events(response, until=format_place(end))
        # A client whose place the log still holds hears of no gap.
        with client.stream("GET", "/events", params={"after": format_place(dropped)}) as response:
            kept = read_events(response, until=format_place(end))

    gaps = [s for s in got if s.event == "gap"]
    assert [json.loads(s.data) for s in gaps] == [
        {"topic": topic, "partition": n, "missing_from": 1, "resumed_at": dropped[n]} for n in sorted(dropped)]
    assert got[: len(gaps)] == gaps  # before any change
    resumed = {**read, **dropped}
    assert gaps[-1].id == format_place(resumed)  # the gap moves the client's place past what is lost
    changes = [json.loads(s.data)["event_id"] for s in got[len(gaps):]]
    assert changes and sorted(changes) == sorted(logged_ids(p, resumed, end))  # every one kept, none twice
    assert not [s for s in kept if s.event == "gap"]
    assert sorted(json.loads(s.data)["event_id"] for s in kept) == sorted(logged_ids(p, dropped, end))
