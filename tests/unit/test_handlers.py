"""The stream processors' pure handlers: what they refuse, and what they return."""

from datetime import UTC, date, datetime

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
from streams.core.versioning import apply_claim

AT = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _published(text: str, day: date = date(2022, 1, 5)) -> ArticlePublished:
    article = Article(article_id=article_id_for(text), source="t.txt", title="", text=text, body_start=0,
                      published_at=day, date_source="text")
    return ArticlePublished.create(article, occurred_at=None, produced_at=AT)


def test_article_from_refuses_what_carries_no_article() -> None:
    good = encode_event(_published("Sergei Ryabkov said that Moscow is open to talks."))
    assert article_from(good, len(good)).data.text.startswith("Sergei")
    with pytest.raises(DecodeError, match="exceeds"):
        article_from(good, len(good) - 1)
    with pytest.raises(DecodeError, match="empty article text"):
        article_from(encode_event(_published("   ")), 10_000)
    claim = claim_events(_published("Sergei Ryabkov said that Moscow is open to talks."), AT)[0]
    with pytest.raises(DecodeError, match="expected ArticlePublished"):
        article_from(encode_event(claim), 10_000)
    with pytest.raises(DecodeError, match="expected ClaimExtracted"):
        claim_from(good)


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
    assert headers["ce_type"] == b"claimtrack.PositionRevised.v1"


def test_a_tombstone_is_refused_with_a_reason_not_a_crash() -> None:
    with pytest.raises(DecodeError, match="tombstone"):
        article_from(None, 10_000)
    with pytest.raises(DecodeError, match="tombstone"):
        claim_from(None)
