import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Claim, Stance
from schemas.events import PositionEvent, PositionVersion
from storage.fold import Version, VersionRow, believed, believed_at, fold
from streams.core.corpus import read_corpus
from streams.core.extraction import extract
from streams.core.handlers import position_events
from streams.core.versioning import Outcome, Position, apply_claim, settled
from tests.generated_corpus import generate


def claim(n: int, stance: str, day: date | None, statement: str | None = None, outlet: str = "Wire") -> Claim:
    return Claim(claim_id=f"c-{n}", article_id=f"a-{n}", source=f"{n}.txt", outlet=outlet, actor_id="grushko",
                 actor_name="Grushko", side="russia", topic="dialogue", stance=stance, evidence=f"quote {n}",
                 span=(0, 7), evidence_spans=(), statement_id=statement or f"s-{n}", published_at=day,
                 date_known=day is not None, confidence=0.8, extractor_version="test")


def apply_claims(claims: list[Claim]) -> tuple[Position | None, list[Outcome]]:
    """The claims applied in turn; one applied before is skipped (the version processor's
    marks and the crashes they survive are tested in test_batches)."""
    position: Position | None = None
    marked: set[str] = set()
    outcomes = []
    for c in claims:
        if c.claim_id in marked:
            outcomes.append(Outcome(position))
            continue
        outcome = apply_claim(position, c)
        position = outcome.position
        marked.add(c.claim_id)
        outcomes.append(outcome)
    return position, outcomes


def shape(position: Position | None) -> list[tuple[int, str, date, date | None]]:
    assert position is not None
    return [(v.version, v.stance.value, v.valid_from, v.valid_to) for v in position.versions]


def test_support_then_conditional_makes_version_two() -> None:
    position, outcomes = apply_claims([claim(1, "support", date(2021, 6, 6)),
                                       claim(2, "conditional", date(2021, 6, 8))])
    assert [o.changed.version if o.changed else None for o in outcomes] == [1, 2]
    assert shape(position) == [(1, "support", date(2021, 6, 6), date(2021, 6, 8)),
                               (2, "conditional", date(2021, 6, 8), None)]
    assert position is not None and position.current is not None
    assert position.current.previous_stance is Stance.SUPPORT


def test_the_same_stance_again_adds_evidence_not_a_version() -> None:
    position, outcomes = apply_claims([claim(1, "support", date(2021, 6, 6)), claim(2, "support", date(2021, 7, 1))])
    second = outcomes[1]
    assert second.changed is None and second.revision is None
    assert second.corroborated is not None and second.corroborated.reports == 2
    assert shape(position) == [(1, "support", date(2021, 6, 6), None)]


def test_the_same_statement_from_another_outlet_is_one_statement_with_two_reports() -> None:
    position, outcomes = apply_claims([claim(1, "support", date(2021, 6, 6), "s-same", "TASS"),
                                       claim(2, "support", date(2021, 6, 7), "s-same", "Sputnik")])
    assert position is not None
    [statement] = position.statements
    assert (statement.reports, statement.since) == (2, date(2021, 6, 6))
    corroborated = outcomes[1].corroborated
    assert corroborated is not None and corroborated.reports == 2
    # The event's evidence is the report it adds, not every report of the version.
    assert [[r.outlet for r in e.reports] for e in corroborated.evidence] == [["Sputnik"]]


def test_an_undated_claim_is_not_placed_in_valid_time() -> None:
    assert apply_claim(None, claim(1, "support", None)) == Outcome(None)


def test_a_late_older_claim_revises_the_past_and_names_what_it_replaces() -> None:
    position, outcomes = apply_claims([claim(1, "support", date(2021, 1, 1)), claim(2, "support", date(2021, 3, 1)),
                                       claim(3, "oppose", date(2021, 2, 1))])
    late = outcomes[2]
    assert late.revision is not None
    assert late.revision.replaces == (1,)
    assert [(v.version, v.stance.value) for v in late.revision.versions] == [
        (1, "support"), (2, "oppose"), (3, "support")]
    assert late.changed is None  # the present stance is still support
    assert shape(position)[1] == (2, "oppose", date(2021, 2, 1), date(2021, 3, 1))


def test_a_late_claim_that_changes_the_present_is_a_revision_and_a_change() -> None:
    _, outcomes = apply_claims([claim(1, "support", date(2021, 1, 1)), claim(2, "oppose", date(2021, 2, 1)),
                                claim(3, "support", date(2021, 3, 1))])
    assert outcomes[2].changed is not None and outcomes[2].changed.stance is Stance.SUPPORT
    assert outcomes[2].revision is None


LOG_START = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Logged:
    """One claim as the version agent handles it: its log time, the position after it, the events it sent."""

    at: datetime
    position: Position | None
    events: tuple[PositionEvent, ...]


def log_of(claims: list[Claim]) -> list[Logged]:
    """Each claim in arrival order, a second apart in the log."""
    logged = []
    position: Position | None = None
    for n, c in enumerate(claims):
        at = LOG_START + timedelta(seconds=n)
        outcome = apply_claim(position, c)
        position = outcome.position
        logged.append(Logged(at, position, tuple(position_events(outcome, at))))
    return logged


def project(events: Iterable[PositionEvent]) -> tuple[VersionRow, ...]:
    """The projection's rows of one position after ``events``, by the projector's own fold."""
    rows: tuple[VersionRow, ...] = ()
    for event in events:
        rows = fold(rows, event)
    return rows


def history(versions: Iterable[PositionVersion]) -> list[Version]:
    """The rows a history should leave believed."""
    return [Version.of(v) for v in versions]


def held(rows: Iterable[VersionRow]) -> list[Version]:
    return [r.data for r in rows]


def events_in(logged: list[Logged]) -> list[PositionEvent]:
    return [e for entry in logged for e in entry.events]


stances = st.sampled_from(["support", "conditional", "oppose"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(stances, st.integers(0, 400), st.integers(0, 5)), min_size=1, max_size=25), st.randoms())
def test_any_arrival_order_gives_the_same_history(items: list[tuple[str, int, int]], rnd: random.Random) -> None:
    # Several claims may share a statement (the same words reported by several outlets).
    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d), f"s-{stmt}-{s}") for i, (s, d, stmt) in
              enumerate(items)]
    ordered, _ = apply_claims(claims)
    shuffled = list(claims)
    rnd.shuffle(shuffled)
    reordered, _ = apply_claims(shuffled)
    assert ordered is not None and reordered is not None
    assert ordered.versions == reordered.versions
    for i, v in enumerate(ordered.versions):  # numbered from 1, alternating, never back in time, no overlap
        assert v.version == i + 1
        if i:
            previous = ordered.versions[i - 1]
            assert v.stance != previous.stance
            assert previous.valid_to == v.valid_from >= previous.valid_from
    # ...and the projection of either arrival order believes that one history.
    for arrival in (claims, shuffled):
        assert held(believed(project(events_in(log_of(arrival))))) == history(ordered.versions)


def _histories(claims: list[Claim]) -> dict[tuple[str, str], object]:
    """Each position's versions after ``claims``; the projection of their events must hold the same."""
    positions: dict[tuple[str, str], Position | None] = {}
    rows: dict[tuple[str, str], tuple[VersionRow, ...]] = {}
    for n, c in enumerate(claims):
        key = (c.actor_id, c.topic.value)
        outcome = apply_claim(positions.get(key), c)
        positions[key] = outcome.position
        for event in position_events(outcome, LOG_START + timedelta(seconds=n)):
            rows[key] = fold(rows.get(key, ()), event)
    versions = {k: p.versions for k, p in positions.items() if p is not None}
    assert {k: held(believed(r)) for k, r in rows.items()} == {k: history(v) for k, v in versions.items()}
    return dict(versions)


SEED_CLAIMS = [c for a in read_corpus([Path(__file__).resolve().parents[2] / "seeds"]) for c in extract(a)]  # type: ignore[arg-type]
GENERATED_CLAIMS = [c for a in generate(300, seed=5) for c in extract(a)]


@cache
def _generated_histories() -> dict[tuple[str, str], object]:
    return _histories(GENERATED_CLAIMS)


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
    assert _histories(shuffled) == _generated_histories()


def test_an_earlier_report_that_moves_a_statement_between_runs_revises_both_versions() -> None:
    late_first = claim(4, "conditional", date(2021, 7, 16), "s-moving")  # joins the third version first
    claims = [claim(1, "conditional", date(2019, 3, 19)), claim(2, "support", date(2019, 7, 19)),
              claim(3, "conditional", date(2019, 8, 18)), late_first,
              claim(5, "conditional", date(2019, 4, 1), "s-moving", outlet="Other")]  # ...then the first
    position, outcomes = apply_claims(claims)
    assert position is not None
    last = outcomes[-1]
    assert last.corroborated is None and last.revision is not None
    assert set(last.revision.replaces) == {1, 3}
    assert [sorted(v.statement_ids) for v in position.versions] == [["s-1", "s-moving"], ["s-2"], ["s-3"]]
    # The revision names the two versions the statement left and joined, not the one between.
    assert [v.version for v in last.revision.versions] == [1, 3] and last.revision.count == 3
    assert held(believed(project(events_in(log_of(claims))))) == history(position.versions)


def test_rows_a_later_event_replaces_are_closed_at_its_log_time_and_kept() -> None:
    logged = log_of([claim(1, "support", date(2021, 1, 1)), claim(2, "support", date(2021, 3, 1)),
                     claim(3, "oppose", date(2021, 2, 1))])  # a corroboration, then a revision
    rows = project(events_in(logged))
    t0, t1, t2 = (entry.at for entry in logged)
    closed = sorted((r for r in rows if r.recorded_to is not None), key=lambda r: r.recorded_from)
    assert [(r.data.version, r.data.reports, r.recorded_from, r.recorded_to) for r in closed] == [
        (1, 1, t0, t1), (1, 2, t1, t2)]
    second = logged[1].position
    assert second is not None
    assert held(believed_at(rows, t2 - timedelta(microseconds=1))) == history(second.versions)


@settings(max_examples=300, deadline=None)
# Few days and few statements, so that one statement's reports often fall into different runs.
@given(st.lists(st.tuples(stances, st.integers(0, 12).map(lambda d: d * 10), st.integers(0, 3)), min_size=10,
                max_size=25), st.randoms())
def test_the_events_of_any_arrival_order_add_up_to_the_history(items: list[tuple[str, int, int]],
                                                              rnd: random.Random) -> None:
    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d), f"s-{stmt}-{s}") for i, (s, d, stmt) in
              enumerate(items)]
    rnd.shuffle(claims)
    logged = log_of(claims)
    rows = project(events_in(logged))
    final = logged[-1].position
    assert final is not None
    assert held(believed(rows)) == history(final.versions)
    # At every claim's log time the projection believed the history as it stood then...
    for entry in logged:
        assert entry.position is not None
        assert held(believed_at(rows, entry.at)) == history(entry.position.versions)
    # ...and an event applied twice changes nothing.
    assert set(project(e for e in events_in(logged) for _ in range(2))) == set(rows)


def test_transaction_time_never_runs_backwards_whatever_the_log_timestamps() -> None:
    """A claim whose log time predates the rows it touches (a producer's clock, a copied
    message) is recorded at the latest time the position holds: no row ends before it began."""
    rows: tuple[VersionRow, ...] = ()
    position: Position | None = None
    times = [datetime(2024, 5, 1, tzinfo=UTC), datetime(2001, 1, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC)]
    for n, (stance, at) in enumerate(zip(["support", "oppose", "support"], times, strict=True)):
        outcome = apply_claim(position, claim(n, stance, date(2021, 1, 1 + n)))
        position = outcome.position
        for event in position_events(outcome, at):
            rows = fold(rows, event)
    assert all(r.recorded_to is None or r.recorded_to >= r.recorded_from for r in rows)
    assert min(r.recorded_from for r in rows) == times[0]
    assert held(believed(rows)) == history(position.versions if position else ())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(stances, st.integers(0, 400), st.integers(0, 5)), min_size=1, max_size=20))
def test_the_stored_state_keeps_no_quotes_and_restores_the_position(items: list[tuple[str, int, int]]) -> None:
    from streams.core.versioning import restored, stored_state

    claims = [claim(i, s, date(2020, 1, 1) + timedelta(days=d), f"s-{stmt}-{s}") for i, (s, d, stmt) in
              enumerate(items)]
    position, _ = apply_claims(claims)
    assert position is not None
    state = stored_state(position)
    assert "quote" not in json.dumps(state) and "versions" not in state
    assert restored(json.loads(json.dumps(state))) == position
    # A state kept by an earlier build, every report and quote of each statement, reads the same.
    reports: dict[str, list[dict[str, object]]] = {}
    for c in claims:
        reports.setdefault(c.statement_id, []).append(
            {"claim_id": c.claim_id, "article_id": c.article_id, "outlet": c.outlet,
             "published_at": str(c.published_at), "span": list(c.span), "quote": c.evidence})
    earlier = {**state, "versions": [],
               "statements": [{"statement_id": s.statement_id, "stance": s.stance.value,
                               "reports": reports[s.statement_id]} for s in position.statements]}
    del earlier["recent"]
    assert restored(earlier) == settled(position)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4))
def test_what_is_written_per_claim_does_not_grow_with_the_reports_gathered(statements: int) -> None:
    """The same few statements reported again and again: the state and every event stay
    the same size whether the position has gathered ten reports or a thousand."""
    def sizes(reports: int) -> tuple[int, int]:
        """The state stored, and the largest event sent, for the last claim of ``reports``,
        applied as a batch of its own."""
        claims = [claim(i, "support" if i % statements else "oppose", date(2020, 1, 1) + timedelta(days=i % 50),
                        f"s-{i % statements}") for i in range(reports)]
        position, _ = apply_claims(claims[:-1])
        outcome = apply_claim(settled(position), claims[-1])
        assert outcome.position is not None
        events = position_events(outcome, LOG_START)
        return len(json.dumps(stored_state_of(outcome.position))), max(len(e.model_dump_json()) for e in events)

    assert sizes(1000)[0] <= sizes(10)[0] + 16  # a few more digits in the counts
    assert sizes(1000)[1] <= sizes(10)[1] + 16


def stored_state_of(position: Position) -> dict[str, object]:
    from streams.core.versioning import stored_state

    return stored_state(position)
