"""The stream processors' pure handlers: what they refuse, and what they return."""

from datetime import UTC, date, datetime, timedelta

import pytest

from schemas import (
    Article,
    ArticlePublished,
    ClaimExtracted,
    DecodeError,
    PositionChanged,
    PositionRevised,
    encode_event,
)
from schemas.ids import article_id_for
from streams.core.handlers import article_from, claim_events, claim_from, cloudevent_headers, position_events
from streams.core.plausible import DateWindow
from streams.core.versioning import apply_claim

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
W = DateWindow(date(1900, 1, 1), date(2030, 1, 1))
ASSUMED = DateWindow()  # the default: 1900 to a day after writing


def _published(text: str, day: date = date(2022, 1, 5)) -> ArticlePublished:
    article = Article(article_id=article_id_for(text), source="t.txt", title="", text=text, body_start=0,
                      published_at=day, date_source="text")
    return ArticlePublished.create(article, occurred_at=None, produced_at=AT)


def test_article_from_refuses_what_carries_no_article() -> None:
    good = encode_event(_published("Sergei Ryabkov said that Moscow is open to talks."))
    assert article_from(good, len(good), W, AT).data.text.startswith("Sergei")
    with pytest.raises(DecodeError, match="exceeds"):
        article_from(good, len(good) - 1, W, AT)
    with pytest.raises(DecodeError, match="empty article text"):
        article_from(encode_event(_published("   ")), 10_000, W, AT)
    claim = claim_events(_published("Sergei Ryabkov said that Moscow is open to talks."), AT)[0]
    with pytest.raises(DecodeError, match="expected ArticlePublished"):
        article_from(encode_event(claim), 10_000, W, AT)
    with pytest.raises(DecodeError, match="expected ClaimExtracted"):
        claim_from(good, W, AT)


def test_claim_events_take_the_log_time_so_a_rerun_gives_the_same_events() -> None:
    published = _published("Sergei Ryabkov said that Moscow is open to talks.")
    first, again = claim_events(published, AT), claim_events(published, AT)
    assert first == again and first
    assert all(isinstance(e, ClaimExtracted) and e.produced_at == AT for e in first)
    assert first[0].occurred_at == datetime(2022, 1, 5, tzinfo=UTC)


def test_a_late_claim_that_changes_the_past_sends_the_revision_first() -> None:
    later = claim_events(_published("Sergei Ryabkov said that Moscow rejects any talks.", date(2022, 3, 1)), AT)[0]
    earlier = claim_events(_published("Sergei Ryabkov said that Moscow is open to talks.", date(2022, 1, 1)), AT)[0]
    first = apply_claim(None, later.data)
    assert [type(e) for e in position_events(first, AT)] == [PositionChanged]
    late = apply_claim(first.position, earlier.data)
    events = position_events(late, AT)
    assert events and isinstance(events[0], PositionRevised)
    headers = dict(cloudevent_headers(events[0], "ryabkov|dialogue"))
    assert headers["ce_id"].decode() == events[0].event_id
    assert headers["ce_type"] == b"claimtrack.PositionRevised.v2"


def test_a_tombstone_is_refused_with_a_reason_not_a_crash() -> None:
    with pytest.raises(DecodeError, match="tombstone"):
        article_from(None, 10_000, W, AT)
    with pytest.raises(DecodeError, match="tombstone"):
        claim_from(None, W, AT)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(2030, 1, 2), date(9999, 12, 31)])
def test_a_date_outside_the_window_is_refused_with_its_reason(day: date) -> None:
    text = "Sergei Ryabkov said that Moscow is open to talks."
    with pytest.raises(DecodeError, match=f"publication date {day.isoformat()} is outside 1900-01-01..2030-01-01"):
        article_from(encode_event(_published(text, day)), 10_000, W, AT)
    claim = claim_events(_published(text, date(2022, 1, 5)), AT)[0]
    odd = claim.model_copy(update={"data": claim.data.model_copy(update={"published_at": day})})
    with pytest.raises(DecodeError, match="outside"):
        claim_from(encode_event(odd), W, AT)
    assert claim_from(encode_event(claim), W, AT) == claim


def test_the_window_reads_every_date_a_claim_change_carries() -> None:
    text = "Sergei Ryabkov said that Moscow is open to talks."
    claim = claim_events(_published(text, date(2022, 1, 5)), AT)[0]
    changed = position_events(apply_claim(None, claim.data), AT)[0]
    assert W.event_refusal(changed, AT.date()) is None
    assert DateWindow(date(1900, 1, 1), date(2022, 1, 4)).event_refusal(changed, AT.date()) is not None


def test_by_default_the_latest_date_is_a_day_after_the_event_was_written() -> None:
    published = encode_event(_published("Sergei Ryabkov said that Moscow is open to talks.", date(2024, 5, 2)))
    assert article_from(published, 10_000, ASSUMED, AT).data.published_at == date(2024, 5, 2)
    with pytest.raises(DecodeError, match=r"2024-05-02 is outside 1900-01-01\.\.2024-05-01"):
        article_from(published, 10_000, ASSUMED, AT.replace(day=1) - timedelta(days=1))
    assert ASSUMED.refusal(date(9999, 12, 31), date.max) is None  # a log time at the end of dates: no overflow


def test_a_log_time_out_of_the_range_of_dates_is_refused_not_raised() -> None:
    from streams.core.handlers import log_time, time_refusal

    assert log_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    for impossible in (10**15, 2**63 - 1, -(2**63)):
        assert log_time(impossible) is None
        assert time_refusal(impossible) == f"log timestamp {impossible} ms is out of range"
