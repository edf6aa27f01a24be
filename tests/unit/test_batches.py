"""The version processor's table under crashes: every claim counts once.

A model of the worker: the claims topic (with copies of claims, as a re-extracted
article gives), batches taken from it, the table's changelog, commits of the input
offset, and crashes that keep only a prefix of the changelog written since the last
commit. Whatever the batches and the crashes, the positions come out as a run that
applied each distinct claim once.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Claim
from streams.core.batches import MARK, TableWrite, version_batch
from streams.core.versioning import Position, claim_key, position_key, restored, stored_state


def claim(n: int, actor: str = "grushko", stance: str = "support", day: int = 0, topic: str = "dialogue") -> Claim:
    published = date(2021, 1, 1) + timedelta(days=day)
    return Claim(claim_id=f"c-{n}", article_id=f"a-{n}", source=f"{n}.txt", outlet="Wire", actor_id=actor,
                 actor_name=actor.title(), side="russia", topic=topic, stance=stance, evidence=f"quote {n}",
                 span=(0, 7), evidence_spans=(), statement_id=f"s-{n}", published_at=published,
                 date_known=True, confidence=0.8, extractor_version="test")


@dataclass
class Worker:
    """One input partition, its committed offset, and the table's changelog."""

    log: list[Claim]
    changelog: list[TableWrite] = field(default_factory=list)
    durable: int = 0  # how much of the changelog a crash cannot lose
    committed: int = 0
    table: dict[str, Any] = field(default_factory=dict)

    def run_batch(self, size: int) -> None:
        batch = self.log[self.committed:self.committed + size]
        result = version_batch(self.table.get, [(c, 0) for c in batch])
        for write in result.writes:
            self.table[write.key] = write.value
            self.changelog.append(write)

    def commit(self, size: int) -> None:
        self.committed = min(len(self.log), self.committed + size)
        self.durable = len(self.changelog)  # at-least-once: the writes reach the log before the commit

    def crash(self, kept: int) -> None:
        """The changelog keeps ``kept`` of the writes made since the last commit; the
        table is recovered from it."""
        del self.changelog[self.durable + kept:]
        self.table = {}
        for write in self.changelog:
            self.table[write.key] = write.value


def positions(table: dict[str, Any]) -> dict[str, Position]:
    """The table's positions, without the claims each last applied."""
    return {k: restored(v).model_copy(update={"recent": ()}) for k, v in table.items() if not k.startswith("claim|")}


def clean_run(claims: list[Claim]) -> dict[str, Position]:
    worker = Worker(claims)
    worker.run_batch(len(claims))
    return positions(worker.table)


steps = st.lists(st.tuples(st.integers(1, 6), st.booleans(), st.integers(0, 12)), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["a", "b"]), st.sampled_from(["support", "oppose"]),
                          st.integers(0, 30)), min_size=1, max_size=30), steps)
def test_any_batches_and_crashes_count_every_claim_once(items: list[tuple[int, str, str, int]],
                                                        plan: list[tuple[int, bool, int]]) -> None:
    """Claims (ids drawn from a small range, so copies recur) taken in batches of any
    size; after each batch the worker commits it or crashes, keeping any part of the
    changelog written since the last commit."""
    log = [claim(n, actor, stance, day) for n, actor, stance, day in items]
    firsts = list({c.claim_id: c for c in reversed(log)}.values())[::-1]  # each claim once, first copy's place
    worker = Worker(log)
    for size, crash, kept in plan:
        worker.run_batch(size)
        if crash:
            worker.crash(kept)
        else:
            worker.commit(size)
    while worker.committed < len(log):  # the worker runs on until it has caught up
        worker.run_batch(3)
        worker.commit(3)
    assert positions(worker.table) == clean_run(firsts)


def test_a_claim_whose_mark_a_crash_lost_is_marked_before_its_position_forgets_it() -> None:
    """The case the ordering exists for: the position reached the changelog, the mark did
    not; a later claim moves the position on; then a copy of the first claim arrives."""
    first, second = claim(1), claim(2, stance="oppose", day=5)
    table: dict[str, Any] = {}
    for write in version_batch(table.get, [(first, 0)]).writes:
        if write.value != MARK:
            table[write.key] = write.value  # the mark is lost
    result = version_batch(table.get, [(second, 0)])
    assert [w.key for w in result.writes] == [claim_key("c-1"), position_key("grushko", "dialogue"), claim_key("c-2")]
    for write in result.writes:
        table[write.key] = write.value
    again = version_batch(table.get, [(first, 0)])
    assert again.applied == [] and again.writes == []
    assert [s.reports for s in restored(table[position_key("grushko", "dialogue")]).statements] == [1, 1]


def test_copies_within_one_batch_count_once_and_each_position_is_written_once() -> None:
    batch = [claim(1), claim(2, day=1), claim(1), claim(3, actor="ryabkov"), claim(2, day=1)]
    result = version_batch({}.get, [(c, 7) for c in batch])
    assert [a.index for a in result.applied] == [0, 1, 3]
    states = [w for w in result.writes if not w.key.startswith("claim|")]
    assert sorted(w.key for w in states) == ["grushko|dialogue", "ryabkov|dialogue"]
    grushko = restored(next(w.value for w in states if w.key == "grushko|dialogue"))
    assert grushko.recent == ("c-1", "c-2") and [s.reports for s in grushko.statements] == [1, 1]
    assert {w.partition for w in result.writes} == {7}
    # Positions first, then the marks of the claims they name.
    kinds = ["mark" if w.key.startswith("claim|") else "state" for w in result.writes]
    assert kinds == ["state", "state", "mark", "mark", "mark"]


def test_a_claim_on_an_untracked_topic_or_without_a_date_writes_nothing() -> None:
    undated = claim(2).model_copy(update={"published_at": None, "date_known": False})
    result = version_batch({}.get, [(claim(1, topic="ukraine"), 0), (undated, 0)])
    assert result.applied == [] and result.writes == []


def test_a_stored_state_is_read_back_as_the_batch_left_it() -> None:
    table: dict[str, Any] = {}
    for write in version_batch(table.get, [(claim(1), 0)]).writes:
        table[write.key] = write.value
    stored = table[position_key("grushko", "dialogue")]
    assert stored == stored_state(restored(stored)) and table[claim_key("c-1")] == MARK
