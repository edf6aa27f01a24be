"""Bitemporal history on the deployed pipeline: arrival order, late articles, as-of and
known-at, rebuilds, downstream consumers."""

import json
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.devstack.processes import free_port
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

ARTICLES = {
    "early.txt": ("Lavrov open to talks\n\nPublished: 2021-01-10\n\n"
                  "Russian Foreign Minister Sergey Lavrov said Moscow remains open to dialogue with NATO.\n"),
    "late.txt": ("Lavrov rules out talks\n\nPublished: 2021-02-10\n\n"
                 "Sergey Lavrov said Moscow rejects any talks with the alliance.\n"),
    "latest.txt": ("Lavrov ready for talks again\n\nPublished: 2021-03-10\n\n"
                   "Sergey Lavrov said Moscow is ready for dialogue with NATO.\n"),
}


def history(p: Pipeline, *args: str) -> list[tuple[int, str, str, str | None]]:
    run = p.cli("history", "--actor", "lavrov", "--topic", "dialogue", "--format", "json", *args)
    return [(r["version"], r["stance"], r["valid_from"], r["valid_to"]) for r in json.loads(run.stdout)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lavrov")
    paths = {}
    for name, text in ARTICLES.items():
        paths[name] = folder / name
        paths[name].write_text(text)
    return paths


def test_a_late_older_article_revises_the_history_and_both_times_answer(pipeline: Pipeline,
                                                                        corpus: dict[str, Path]) -> None:
    pipeline.cli("replay", str(corpus["early.txt"]), str(corpus["latest.txt"]), "--wait")
    assert history(pipeline) == [(1, "support", "2021-01-10", None)]
    believed_before = datetime.now(UTC).isoformat()
    time.sleep(1.1)

    pipeline.cli("replay", str(corpus["late.txt"]), "--wait")
    assert history(pipeline) == [(1, "support", "2021-01-10", "2021-02-10"),
                                 (2, "oppose", "2021-02-10", "2021-03-10"),
                                 (3, "support", "2021-03-10", None)]
    # Valid on 15 February: opposed, as we now know; supported, as we believed before the late article.
    assert history(pipeline, "--as-of", "2021-02-15") == [(2, "oppose", "2021-02-10", "2021-03-10")]
    # "As now believed" reads the open rows; a known-at past every row says the same.
    assert history(pipeline, "--as-of", "2021-02-15", "--known-at", "2999-01-01T00:00:00+00:00") == [
        (2, "oppose", "2021-02-10", "2021-03-10")]
    assert history(pipeline, "--as-of", "2021-02-15", "--known-at", believed_before) == [
        (1, "support", "2021-01-10", None)]
    assert history(pipeline, "--known-at", believed_before) == [(1, "support", "2021-01-10", None)]
    assert history(pipeline, "--as-of", "2020-12-31") == []

    revised = subprocess.run(
        [sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--format", "json", "--group",
         "revision-check", "--idle-timeout", "3"], cwd=pipeline.repo, env=pipeline.env, capture_output=True,
        text=True, timeout=120)
    events = [json.loads(line) for line in revised.stdout.splitlines()]
    revisions = [e for e in events if e["event_type"] == "PositionRevised" and e["data"]["actor_id"] == "lavrov"]
    assert len(revisions) == 1 and revisions[0]["data"]["replaces"] == [1]


def test_shuffled_and_ordered_replays_give_equal_checksums(make_pipeline, pipeline: Pipeline) -> None:  # type: ignore[no-untyped-def]
    ordered, shuffled = make_pipeline(), make_pipeline()
    ordered.cli("replay", "seeds", "--order", "published", "--wait")
    shuffled.cli("replay", "seeds", "--order", "shuffle", "--seed", "11", "--wait")
    shuffled.cli("replay", "seeds", "--order", "shuffle", "--seed", "12", "--wait")
    first = ordered.cli("checksum").stdout.strip()
    assert first and first == shuffled.cli("checksum").stdout.strip()
    assert ordered.cli("checksum", "--full").stdout != shuffled.cli("checksum", "--full").stdout


def test_rebuild_keeps_the_full_checksum_and_the_worker_goes_on(pipeline: Pipeline, corpus: dict[str, Path]) -> None:
    pipeline.cli("replay", "seeds", str(corpus["early.txt"]), "--wait")  # whatever ran before in this module
    before = pipeline.cli("checksum", "--full").stdout.strip()
    run = pipeline.cli("rebuild")
    lines = run.stdout.split("\n")
    assert re.fullmatch(r"rebuilt from \d+ events in [\d.]+s \([\d,]+ events/s\)", lines[0]), lines[0]
    assert f"full checksum before {before}" in lines[1] and lines[2].endswith(before)
    # The worker's projector was disconnected by the rebuild; it resumes from the rebuilt
    # offsets, so a replay of what the log holds already changes nothing.
    pipeline.cli("replay", str(corpus["early.txt"]), "--wait")
    assert pipeline.cli("checksum", "--full").stdout.strip() == before


def test_a_rebuild_that_cannot_read_the_log_drops_nothing(pipeline: Pipeline) -> None:
    pipeline.cli("replay", "seeds", "--wait")
    before = pipeline.cli("checksum", "--full").stdout.strip()
    closed = f"127.0.0.1:{free_port()}"
    gone = pipeline.cli("rebuild", check=False, env={"CLAIMTRACK_KAFKA_BOOTSTRAP": closed})
    assert gone.returncode == 1
    [line] = gone.stderr.strip().splitlines()
    assert line.startswith(f"claimtrack: error: cannot reach the Kafka broker at {closed}")
    assert line.endswith("; nothing was dropped")
    other = pipeline.cli("rebuild", check=False, env={"CLAIMTRACK_TOPIC_PREFIX": "nothing-here"})
    assert other.returncode == 1 and "has no topic nothing-here.articles" in other.stderr
    assert pipeline.cli("checksum", "--full").stdout.strip() == before


def test_a_consumer_that_imports_nothing_from_the_project_validates_every_event(pipeline: Pipeline) -> None:
    pipeline.cli("replay", "seeds", "--wait")
    for topic in (pipeline.settings.topics.changes, pipeline.settings.topics.claims,
                  pipeline.settings.topics.articles):
        run = subprocess.run([sys.executable, str(Path(__file__).parent / "plain_consumer.py"), pipeline.bootstrap,
                              topic, str(pipeline.repo / "schemas" / "json"), "3"],
                             cwd="/", capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        count = int(run.stdout.strip().splitlines()[-1].split()[1])
        assert count > 0


def test_subscribe_resumes_after_a_restart_without_repeating(pipeline: Pipeline, corpus: dict[str, Path]) -> None:
    pipeline.cli("replay", "seeds", "--wait")

    def subscribe_once() -> list[str]:
        run = subprocess.run([sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--group",
                              "resume-check", "--idle-timeout", "3"], cwd=pipeline.repo, env=pipeline.env,
                             capture_output=True, text=True, timeout=120)
        return run.stdout.splitlines()

    first = subscribe_once()
    assert first and any("->" in line for line in first)
    assert subscribe_once() == []  # nothing new: nothing printed again
    extra = corpus["early.txt"].with_name("extra.txt")
    extra.write_text("Grushko on talks\n\nPublished: 2023-05-05\n\n"
                     "Alexander Grushko said Moscow rejects any talks with the alliance.\n")
    pipeline.cli("replay", str(extra), "--wait")
    third = subscribe_once()
    assert third and all("Grushko" in line for line in third)


def test_subscriber_stopped_by_a_signal_keeps_its_place(pipeline: Pipeline) -> None:
    pipeline.cli("replay", "seeds", "--wait")
    proc = subprocess.Popen([sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--group",
                             "signal-check"], cwd=pipeline.repo, env=pipeline.env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first_line = proc.stdout.readline()
    time.sleep(2)  # let it print and commit the rest of the batch
    proc.send_signal(signal.SIGINT)
    rest = proc.communicate(timeout=60)[0]
    assert first_line
    # --from-beginning as before: only a committed place keeps the restart from printing it all again.
    again = subprocess.run([sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--group",
                            "signal-check", "--idle-timeout", "3"], cwd=pipeline.repo, env=pipeline.env,
                           capture_output=True, text=True, timeout=120)
    assert again.stdout == "", f"repeated after restart: {again.stdout[:300]} (first run printed {rest[:200]})"


def test_a_subscriber_killed_with_sigkill_resumes_after_its_place(pipeline: Pipeline, corpus: dict[str, Path]) -> None:
    pipeline.cli("replay", "seeds", "--wait")
    proc = subprocess.Popen([sys.executable, "-m", "streams", "subscribe", "--from-beginning", "--group",
                             "kill-check"], cwd=pipeline.repo, env=pipeline.env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline()
    time.sleep(2)  # let it print and commit the rest of the batch
    proc.kill()  # no goodbye to the group: a static member's restart takes its place
    proc.wait(timeout=30)
    extra = corpus["early.txt"].with_name("after-kill.txt")
    extra.write_text("Grushko on contacts\n\nPublished: 2023-06-06\n\n"
                     "Alexander Grushko said Moscow rejects any military contacts with the alliance.\n")
    pipeline.cli("replay", str(extra), "--wait")
    again = subprocess.run([sys.executable, "-m", "streams", "subscribe", "--group", "kill-check",
                            "--idle-timeout", "5"], cwd=pipeline.repo, env=pipeline.env, capture_output=True,
                           text=True, timeout=120)
    lines = again.stdout.splitlines()
    assert lines and all("Grushko" in line for line in lines), again.stdout + again.stderr[-2000:]
