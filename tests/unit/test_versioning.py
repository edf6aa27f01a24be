import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Claim, Stance
from streams.core.corpus import read_corpus
from streams.core.extraction import extract
from streams.core.versioning import Outcome, Position, apply_claim

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from extract_speed import generate


def claim(n: int, stance: str, day: date | None, statement: str | None = None, outlet: str = "Wire") -> Claim:
    return Claim(claim_id=f"c-{n}", article_id=f"a-{n}", source=f"{n}.txt", outlet=outlet, actor_id="grushko",
                 actor_name="Grushko", side="russia", topic="dialogue", stance=stance, evidence=f"quote {n}",
                 span=(0, 7), evidence_spans=(), statement_id=statement or f"s-{n}", published_at=day,
                 date_known=day is not None, confidence=0.8, extractor_version="test")


def fold(claims: list[Claim]) -> tuple[Position | None, list[Outcome]]:
    position: Position | None = None
    outcomes = []
    for c in claims:
        outcome = apply_claim(position, c)
        position = outcome.position
        outcomes.append(outcome)
    return position, outcomes


def shape(position: Position | None) -> list[tuple[int, str, date, date | None]]:
    assert position is not None
    return [(v.version, v.stance.value, v.valid_from, v.valid_to) for v in position.versions]


def test_support_then_conditional_makes_version_two() -> None:
    position, outcomes = fold([claim(1, "support", date(2021, 6, 6)), claim(2, "conditional", date(2021, 6, 8))])
    assert [o.changed.version if o.changed else None for o in outcomes] == [1, 2]
    assert shape(position) == [(1, "support", date(2021, 6, 6), date(2021, 6, 8)),
                               (2, "conditional", date(2021, 6, 8), None)]
    assert position is not None and position.current is not None
    assert position.current.previous_stance is Stance.SUPPORT


def test_the_same_stance_again_adds_evidence_not_a_version() -> None:
    position, outcomes = fold([claim(1, "support", date(2021, 6, 6)), claim(2, "support", date(2021, 7, 1))])
    second = outcomes[1]
    assert second.changed is None and second.revision is None
    assert second.corroborated is not None and second.corroborated.reports == 2
    assert shape(position) == [(1, "support", date(2021, 6, 6), None)]


def test_the_same_statement_from_another_outlet_is_one_statement_with_two_reports() -> None:
    position, outcomes = fold([claim(1, "support", date(2021, 6, 6), "s-same", "TASS"),
                               claim(2, "support", date(2021, 6, 7), "s-same", "Sputnik")])
    assert position is not None
    [statement] = position.statements
    assert [r.outlet for r in statement.reports] == ["TASS", "Sputnik"]
    assert outcomes[1].corroborated is not None and outcomes[1].corroborated.reports == 2


def test_a_redelivered_claim_changes_nothing() -> None:
    first = [claim(1, "support", date(2021, 1, 1)), claim(2, "oppose", date(2021, 2, 1))]
    position, _ = fold(first)
    again = apply_claim(position, first[0])
    assert again == Outcome(position)


def test_an_undated_claim_is_not_placed_in_valid_time() -> None:
    assert apply_claim(None, claim(1, "support", None)) == Outcome(None)


def test_a_late_older_claim_revises_the_past_and_names_what_it_replaces() -> None:
    position, outcomes = fold([claim(1, "support", date(2021, 1, 1)), claim(2, "support", date(2021, 3, 1)),
                               claim(3, "oppose", date(2021, 2, 1))])
    late = outcomes[2]
    assert late.revision is not None
    assert late.revision.replaces == (1,)
    assert [(v.version, v.stance.value) for v in late.revision.versions] == [
        (1, "support"), (2, "oppose"), (3, "support")]
    assert late.changed is None  # the present stance is still support
    assert shape(position)[1] == (2, "oppose", date(2021, 2, 1), date(2021, 3, 1))


def test_a_late_claim_that_changes_the_present_is_a_revision_and_a_change() -> None:
    _, outcomes = fold([claim(1, "support", date(2021, 1, 1)), claim(2, "oppose", date(2021, 2, 1)),
                        claim(3, "support", date(2021, 3, 1))])
    assert outcomes[2].changed is not None and outcomes[2].changed.stance is Stance.SUPPORT
    assert outcomes[2].revision is None


stances = st.sampled_from(["support", "conditional", "oppose"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(stances, st.integers(0, 400), st.integers(0, 5)), min_size=1, max_size=25), st.randoms())
def test_any_arrival_order_gives_the_same_history(items: list[tuple[str, int, int]], rnd: random.Random) -> None:
    # Several claims may share a statement (the same words reported by several outlets).
    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d), f"s-{stmt}-{s}") for i, (s, d, stmt) in
              enumerate(items)]
    ordered, _ = fold(claims)
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    reordered, _ = fold(shuffled)
    assert ordered is not None and reordered is not None
    assert ordered.versions == reordered.versions
    for i, v in enumerate(ordered.versions):  # numbered from 1, alternating, never back in time, no overlap
        assert v.version == i + 1
        if i:
            previous = ordered.versions[i - 1]
            assert v.stance != previous.stance
            assert previous.valid_to == v.valid_from >= previous.valid_from


def _histories(claims: list[Claim]) -> dict[tuple[str, str], object]:
    positions: dict[tuple[str, str], Position | None] = {}
    for c in claims:
        key = (c.actor_id, c.topic.value)
        positions[key] = apply_claim(positions.get(key), c).position
    return {k: p.versions for k, p in positions.items() if p is not None}


SEED_CLAIMS = [c for a in read_corpus([Path(__file__).resolve().parents[2] / "seeds"]) for c in extract(a)]  # type: ignore[arg-type]
GENERATED_CLAIMS = [c for a in generate(300, seed=5) for c in extract(a)]


@settings(max_examples=30, deadline=None)
@given(st.randoms())
def test_shuffled_seeds_give_the_same_histories(rnd: random.Random) -> None:
    shuffled = list(SEED_CLAIMS)
    rnd.shuffle(shuffled)
    assert _histories(shuffled) == _histories(SEED_CLAIMS)


@settings(max_examples=10, deadline=None)
@given(st.randoms())
def test_a_shuffled_generated_corpus_gives_the_same_histories(rnd: random.Random) -> None:
    shuffled = list(GENERATED_CLAIMS)
    rnd.shuffle(shuffled)
    assert _histories(shuffled) == _histories(GENERATED_CLAIMS)


def project(outcomes: list[Outcome]) -> dict[int, object]:
    """What a consumer of the position events holds after them, version by version:
    a revision states the whole history; a change closes the version before it and
    ends the history with itself; a corroboration replaces one version."""
    rows: dict[int, Any] = {}
    for o in outcomes:
        if o.revision is not None:
            rows = {v.version: v for v in o.revision.versions}
        if o.changed is not None:
            v = o.changed
            if v.version - 1 in rows:
                rows[v.version - 1] = rows[v.version - 1].model_copy(update={"valid_to": v.valid_from})
            rows = {k: r for k, r in rows.items() if k < v.version} | {v.version: v}
        if o.corroborated is not None:
            rows[o.corroborated.version] = o.corroborated
    return rows


def test_an_earlier_report_that_moves_a_statement_between_runs_revises_both_versions() -> None:
    late_first = claim(4, "conditional", date(2021, 7, 16), "s-moving")  # joins the third version first
    claims = [claim(1, "conditional", date(2019, 3, 19)), claim(2, "support", date(2019, 7, 19)),
              claim(3, "conditional", date(2019, 8, 18)), late_first,
              claim(5, "conditional", date(2019, 4, 1), "s-moving", outlet="Other")]  # ...then the first
    position, outcomes = fold(claims)
    assert position is not None
    last = outcomes[-1]
    assert last.corroborated is None and last.revision is not None
    assert set(last.revision.replaces) == {1, 3}
    assert [sorted(e.statement_id for e in v.evidence) for v in position.versions] == [
        ["s-1", "s-moving"], ["s-2"], ["s-3"]]
    assert project(outcomes) == {v.version: v for v in position.versions}


@settings(max_examples=300, deadline=None)
# Few days and few statements, so that one statement's reports often fall into different runs.
@given(st.lists(st.tuples(stances, st.integers(0, 12).map(lambda d: d * 10), st.integers(0, 3)), min_size=10,
                max_size=25), st.randoms())
def test_the_events_of_any_arrival_order_add_up_to_the_history(items: list[tuple[str, int, int]],
                                                              rnd: random.Random) -> None:
    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d), f"s-{stmt}-{s}") for i, (s, d, stmt) in
              enumerate(items)]
    rnd.shuffle(claims)
    position, outcomes = fold(claims)
    assert position is not None
    assert project(outcomes) == {v.version: v for v in position.versions}
