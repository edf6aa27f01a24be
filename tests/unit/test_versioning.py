from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Claim, Stance
from streams.versioning import Position, apply_claim


def claim(n: int, stance: str, day: date | None, actor: str = "grushko", topic: str = "dialogue") -> Claim:
    return Claim(claim_id=f"c-{n}", article_id=f"a-{n}", source=f"{n}.txt", actor_id=actor, actor_name=actor.title(),
                 side="russia", topic=topic, stance=stance, evidence=f"quote {n}", span=(0, 7), evidence_spans=(),
                 published_at=day, date_known=day is not None, confidence=0.8, extractor_version="test")


def fold(claims: list[Claim]) -> tuple[Position | None, list[list[tuple[int, str]]]]:
    position: Position | None = None
    emitted = []
    for c in claims:
        position, changed = apply_claim(position, c)
        emitted.append([(v.version, v.stance.value) for v in changed])
    return position, emitted


def test_support_then_conditional_makes_version_two() -> None:
    position, emitted = fold([claim(1, "support", date(2021, 6, 6)), claim(2, "conditional", date(2021, 6, 8))])
    assert emitted == [[(1, "support")], [(2, "conditional")]]
    assert position is not None and position.current is not None
    assert (position.current.version, position.current.previous_stance) == (2, Stance.SUPPORT)


def test_the_same_stance_again_adds_evidence_not_a_version() -> None:
    position, emitted = fold([claim(1, "support", date(2021, 6, 6)), claim(2, "support", date(2021, 7, 1))])
    assert emitted == [[(1, "support")], []]
    assert position is not None and [e.claim_id for e in position.versions[0].evidence] == ["c-1", "c-2"]


def test_a_redelivered_claim_changes_nothing() -> None:
    first = [claim(1, "support", date(2021, 1, 1)), claim(2, "oppose", date(2021, 2, 1))]
    position, _ = fold(first)
    again, changed = apply_claim(position, first[0])
    assert changed == [] and again == position


def test_an_undated_claim_is_not_placed_in_valid_time() -> None:
    position, changed = apply_claim(None, claim(1, "support", None))
    assert position is None and changed == []


def test_a_late_older_claim_is_placed_at_its_valid_time() -> None:
    position, emitted = fold([claim(2, "conditional", date(2022, 1, 1)), claim(1, "support", date(2021, 1, 1))])
    assert position is not None
    assert [(v.version, v.stance.value, v.valid_from) for v in position.versions] == [
        (1, "support", date(2021, 1, 1)), (2, "conditional", date(2022, 1, 1))]
    assert emitted[1] == [(1, "support"), (2, "conditional")]


stances = st.sampled_from(["support", "conditional", "oppose"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(stances, st.integers(0, 400)), min_size=1, max_size=25), st.randoms())
def test_any_arrival_order_gives_the_same_history(items: list[tuple[str, int]], rnd) -> None:  # type: ignore[no-untyped-def]
    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d)) for i, (s, d) in enumerate(items)]
    ordered, _ = fold(claims)
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    reordered, _ = fold(shuffled)
    assert ordered is not None and reordered is not None
    assert ordered.versions == reordered.versions
    # Versions are numbered from 1, alternate stance and never go back in valid time.
    for i, v in enumerate(ordered.versions):
        assert v.version == i + 1
        if i:
            assert v.stance != ordered.versions[i - 1].stance
            assert v.valid_from >= ordered.versions[i - 1].valid_from
