"""What `claimtrack serve` says while the pipeline runs: claim changes over SSE, resumed
with Last-Event-ID without loss or repeat, to many clients at once; and the progress
figures on /metrics, beside the worker's own counters."""

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.parser import text_string_to_metric_families

from schemas.place import format_place
from streams.clients.admin import end_offsets
from streams.devstack.processes import free_port
from tests.generated_corpus import generate
from tests.integration.api_server import changes_ends, logged_events, logged_ids, read_events, serving, sse_events
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
def live(make_pipeline: Callable[..., Pipeline]) -> Iterator[tuple[Pipeline, httpx.Client, int]]:
    metrics_port = free_port()
    pipeline = make_pipeline(CLAIMTRACK_METRICS_PORT=str(metrics_port))
    pipeline.cli("replay", "seeds", "--wait")
    with serving(pipeline) as client:
        yield pipeline, client, metrics_port


def corpus(path: Path, count: int, seed: int) -> Path:
    rows = [{"text": a.text, "outlet": a.outlet} for a in generate(count, seed)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_a_client_that_resumes_with_last_event_id_gets_exactly_what_it_missed(
        live: tuple[Pipeline, httpx.Client, int], tmp_path: Path) -> None:
    p, client, _ = live
    start = changes_ends(p)
    with client.stream("GET", "/events", headers={"Last-Event-ID": format_place(start)}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        p.cli("replay", str(corpus(tmp_path / "first.jsonl", 20, seed=41)), "--wait")
        middle = changes_ends(p)
        assert middle != start, "the corpus changed no position"
        first = read_events(response, count=len(logged_ids(p, start, middle)) // 2)
    # It comes back while more changes arrive: what it missed is read from the log as
    # new ones reach the server, and neither is lost nor repeated.
    second_corpus = corpus(tmp_path / "second.jsonl", 40, seed=42)
    replaying = subprocess.Popen([sys.executable, "-m", "streams", "replay", str(second_corpus), "--wait"],
                                 cwd=p.repo, env=p.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1)
        with client.stream("GET", "/events", headers={"Last-Event-ID": first[-1].id}) as response:
            assert replaying.wait(timeout=300) == 0, replaying.stderr.read() if replaying.stderr else ""
            end = changes_ends(p)
            second = read_events(response, until=format_place(end))
    finally:
        replaying.kill()
    received = [json.loads(s.data)["event_id"] for s in first + second]
    assert sorted(received) == sorted(logged_ids(p, start, end))  # every one, none twice
    assert all(s.event == json.loads(s.data)["event_type"] for s in first + second)
    assert second[-1].id == format_place(end)


def test_a_filtered_stream_s_place_moves_past_the_changes_it_does_not_send(
        live: tuple[Pipeline, httpx.Client, int], tmp_path: Path) -> None:
    p, client, _ = live
    start = changes_ends(p)
    p.cli("replay", str(corpus(tmp_path / "filtered.jsonl", 20, seed=47)), "--wait")
    end = changes_ends(p)
    logged = logged_events(p, start, end)
    ids: list[str] = []
    sent: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60  # pings every 15 s wake the loop should the place never get there
    with client.stream("GET", "/events", params={"topic": "de_escalation", "after": format_place(start)}) as response:
        for line in response.iter_lines():
            if line.startswith("id:"):
                ids.append(line.removeprefix("id:").strip())
            elif line.startswith("data:"):
                sent.append(json.loads(line.removeprefix("data:")))
            if not line and ids and ids[-1] == format_place(end):  # the end of the last block
                break
            assert time.monotonic() < deadline, f"the stream's place stopped at {ids[-1:]}, the log's end is {end}"
    assert len(ids) == len(logged)  # a place for every change, sent or passed over
    assert sorted(e["event_id"] for e in sent) == sorted(e["event_id"] for e in logged
                                                        if e["data"]["topic"] == "de_escalation")
    assert len(sent) < len(logged)  # some were passed over
    while _gauge(client, "claimtrack_event_followers") != 0:  # gone before the next test counts followers
        assert time.monotonic() < deadline + 30
        time.sleep(0.2)


def test_a_place_that_cannot_be_read_answers_422(live: tuple[Pipeline, httpx.Client, int]) -> None:
    _, client, _ = live
    answer = client.get("/events", headers={"Last-Event-ID": "yesterday"})
    assert answer.status_code == 422 and "Last-Event-ID" in answer.text
    assert client.get("/events", params={"after": "0:x"}).status_code == 422
    assert client.get("/events", params={"actor": "nobody at all"}).status_code == 404
    assert client.get("/history", params={"after": "0:x"}).status_code == 422


def test_history_after_a_place_answers_once_the_projection_has_taken_it(
        live: tuple[Pipeline, httpx.Client, int]) -> None:
    p, client, _ = live
    reached = format_place(changes_ends(p))
    assert client.get("/history", params={"after": reached, "actor": "grushko"}).status_code == 200
    beyond = format_place({n: offset + 1 for n, offset in changes_ends(p).items()})
    answer = client.get("/history", params={"after": beyond}, timeout=60)  # no worker writes that far
    assert answer.status_code == 503 and "not reached" in answer.text


async def _follow_all(base_url: str, params: list[dict[str, str]],
                      replay: Callable[[], list[int]]) -> tuple[list[list[dict[str, Any]]], list[int]]:
    """One client per entry of ``params``, all at once; once all have joined, ``replay``
    runs and says how many changes each should get; they read until they have them."""
    got: list[list[dict[str, Any]]] = [[] for _ in params]
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def follow(n: int) -> None:
            async with client.stream("GET", "/events", params=params[n]) as response:
                assert response.status_code == 200
                fields: list[str] = []
                async for line in response.aiter_lines():
                    fields.append(line)
                    if not line:
                        got[n] += [json.loads(sent.data) for sent in sse_events(fields)]
                        fields = []

        tasks = [asyncio.create_task(follow(n)) for n in range(len(params))]
        try:
            expected = await asyncio.to_thread(replay)
            deadline = asyncio.get_running_loop().time() + 120
            while any(len(g) < e for g, e in zip(got, expected, strict=True)):
                assert asyncio.get_running_loop().time() < deadline, [len(g) for g in got]
                assert not any(t.done() for t in tasks), [t.exception() for t in tasks if t.done()]
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)  # time for anything more to arrive: it would be a repeat
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return got, expected


def test_fifty_clients_at_once_all_receive_the_changes_and_leave_no_group(
        live: tuple[Pipeline, httpx.Client, int], tmp_path: Path) -> None:
    p, client, _ = live
    groups_before = asyncio.run(_groups(p.bootstrap))
    start = changes_ends(p)
    path = corpus(tmp_path / "fifty.jsonl", 10, seed=43)
    params = [{"topic": "dialogue"} if n % 2 else {} for n in range(50)]

    def replay_once_all_follow() -> list[int]:
        deadline = time.monotonic() + 60
        while _gauge(client, "claimtrack_event_followers") < 50:  # all have joined: none misses a change
            assert time.monotonic() < deadline, "the clients did not all join"
            time.sleep(0.2)
        p.cli("replay", str(path), "--wait")
        everything = logged_events(p, start, changes_ends(p))
        dialogue = sum(e["data"]["topic"] == "dialogue" for e in everything)
        return [dialogue if n % 2 else len(everything) for n in range(50)]

    results, expected = asyncio.run(_follow_all(str(client.base_url), params, replay_once_all_follow))
    assert 0 < expected[1] < expected[0]
    assert [len(r) for r in results] == expected  # each its changes, none twice
    unfiltered, filtered = results[0::2], results[1::2]
    assert all(r == unfiltered[0] for r in unfiltered)  # one order, from one reader of the log
    assert all(e["data"]["topic"] == "dialogue" for r in filtered for e in r)
    assert asyncio.run(_groups(p.bootstrap)) == groups_before
    deadline = time.monotonic() + 30
    while _gauge(client, "claimtrack_event_followers") != 0:  # the server noticed them leave
        assert time.monotonic() < deadline
        time.sleep(0.2)


async def _groups(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {g[0] for g in await admin.list_consumer_groups()}
    finally:
        await admin.close()


def _samples(text: str) -> Samples:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _gauge(client: httpx.Client, name: str) -> float:
    return _samples(client.get("/metrics").text)[(name, ())]


def test_metrics_show_no_lag_after_replay_wait_and_count_what_the_log_holds(
        live: tuple[Pipeline, httpx.Client, int], tmp_path: Path) -> None:
    p, client, metrics_port = live
    p.cli("replay", str(corpus(tmp_path / "metrics.jsonl", 10, seed=44)), "--wait")
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    samples = _samples(answer.text)
    t = p.settings.topics
    ends = asyncio.run(end_offsets(p.bootstrap, [*t.projected, t.deadletter]))
    lag = {(dict(labels)["reader"], dict(labels)["topic"], int(dict(labels)["partition"])): value
           for (name, labels), value in samples.items() if name == "claimtrack_consumer_lag"}
    partitions = {(topic, n) for topic, n in ends if topic != t.deadletter}
    assert {(topic, n) for reader, topic, n in lag if reader == "projection"} == partitions
    assert {(topic, n) for reader, topic, n in lag if reader == "processors"} == {
        (topic, n) for topic, n in partitions if topic in (t.articles, t.claims)}
    assert set(lag.values()) == {0.0}
    assert samples[("claimtrack_projection_delay_seconds", ())] == 0.0
    assert samples[("claimtrack_log_up", ())] == 1.0
    for topic in t.projected:
        assert samples[("claimtrack_events_projected_total", (("topic", topic),))] == sum(
            end for (name, _), end in ends.items() if name == topic)
    assert samples[("claimtrack_dead_letters_total", ())] == sum(
        end for (name, _), end in ends.items() if name == t.deadletter)

    own = _samples(httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).text)
    total = {name: sum(end for (topic, _), end in ends.items() if topic == name) for name in t.projected}
    assert own[("claimtrack_worker_articles_total", ())] == total[t.articles]
    assert own[("claimtrack_worker_claims_extracted_total", ())] == total[t.claims]
    assert samples[("claimtrack_claims_extracted_total", ())] == total[t.claims]  # no claim came twice here
    assert sum(v for (name, _), v in own.items() if name == "claimtrack_worker_claim_changes_total") == total[t.changes]
    assert sum(v for (name, _), v in own.items() if name == "claimtrack_worker_events_projected_total") == sum(
        total.values())


def test_without_its_broker_the_projection_is_served_and_the_log_is_said_to_be_down(
        live: tuple[Pipeline, httpx.Client, int]) -> None:
    p, served_client, _ = live
    with serving(p, CLAIMTRACK_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}") as client:  # nothing listens there
        history = client.get("/history", params={"actor": "grushko"})
        assert history.status_code == 200
        assert history.json() == served_client.get("/history", params={"actor": "grushko"}).json()
        assert client.get("/events").status_code == 503
        assert client.get("/events", headers={"Last-Event-ID": "yesterday"}).status_code == 422  # said first
        samples = _samples(client.get("/metrics").text)
        assert samples[("claimtrack_log_up", ())] == 0.0
        assert not any(name == "claimtrack_consumer_lag" for name, _ in samples)
        assert samples[("claimtrack_claims_extracted_total", ())] > 0
