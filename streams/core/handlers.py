"""What the stream processors do with one message, as pure functions: check the input,
call the core, and return the events to send. The faust agents only move bytes, so all
of this is tested without a broker."""

from datetime import UTC, date, datetime, time

from schemas import (
    Article,
    ArticlePublished,
    ClaimExtracted,
    DecodeError,
    PositionChanged,
    PositionCorroborated,
    PositionEvent,
    PositionRevised,
    decode_event,
)
from streams.core.extraction import extract
from streams.core.plausible import DateWindow
from streams.core.versioning import Outcome

CE_SOURCE = "claimtrack/version-processor"
TOMBSTONE = "a tombstone (no value), which no claimtrack event is"


LATEST = datetime.max.replace(tzinfo=UTC)


def log_time(timestamp_ms: int) -> datetime | None:
    """A message's log time, or None when it is out of the range of dates (year 1 to
    9999): some brokers take any 64-bit timestamp."""
    try:
        return datetime.fromtimestamp(timestamp_ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def time_refusal(timestamp_ms: int) -> str | None:
    return None if log_time(timestamp_ms) is not None else f"log timestamp {timestamp_ms} ms is out of range"


def valid_time(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), UTC)


def article_event(article: Article, now: datetime) -> ArticlePublished:
    """The event that publishes ``article``; valid time is its publication date."""
    return ArticlePublished.create(article, occurred_at=valid_time(article.published_at), produced_at=now)


def size_refusal(size: int, max_bytes: int) -> str | None:
    """Why an article event of ``size`` bytes is refused: the one limit the producer, the
    processors, `extract` and the topics' configuration share."""
    if size <= max_bytes:
        return None
    return f"article event of {size} bytes exceeds the limit of {max_bytes} (CLAIMTRACK_MAX_ARTICLE_BYTES)"


def article_from(value: bytes | None, max_bytes: int, window: DateWindow, at: datetime) -> ArticlePublished:
    """The article an input message written at ``at`` carries; DecodeError says why it carries none."""
    if value is None:
        raise DecodeError(TOMBSTONE)
    if reason := size_refusal(len(value), max_bytes):
        raise DecodeError(reason)
    published = decode_event(value)
    if not isinstance(published, ArticlePublished):
        raise DecodeError(f"expected ArticlePublished, got {published.event_type}")
    if not published.data.text.strip():
        raise DecodeError("empty article text")
    if reason := window.event_refusal(published, at.date()):
        raise DecodeError(reason)
    return published


def claim_events(published: ArticlePublished, at: datetime) -> list[ClaimExtracted]:
    """One ClaimExtracted per claim of the article; ``at`` is the input's log time."""
    return [ClaimExtracted.create(claim, occurred_at=valid_time(claim.published_at), produced_at=at)
            for claim in extract(published.data)]


def claim_from(value: bytes | None, window: DateWindow, at: datetime) -> ClaimExtracted:
    """The claim an input message written at ``at`` carries; DecodeError says why it carries none."""
    if value is None:
        raise DecodeError(TOMBSTONE)
    extracted = decode_event(value)
    if not isinstance(extracted, ClaimExtracted):
        raise DecodeError(f"expected ClaimExtracted, got {extracted.event_type}")
    if reason := window.event_refusal(extracted, at.date()):
        raise DecodeError(reason)
    return extracted


def position_events(outcome: Outcome, at: datetime) -> list[PositionEvent]:
    """The claim-change events of one claim's outcome, revision first; ``at`` is the input's
    log time, so a re-run produces the same events."""
    events: list[PositionEvent] = []
    if outcome.revision is not None:
        # Valid time: where the changed past begins.
        first = min((v.valid_from for v in outcome.revision.versions), default=None)
        events.append(PositionRevised.create(outcome.revision, occurred_at=valid_time(first), produced_at=at))
    if outcome.changed is not None:
        v = outcome.changed
        events.append(PositionChanged.create(v, occurred_at=valid_time(v.valid_from), produced_at=at))
    if outcome.corroborated is not None:
        v = outcome.corroborated
        events.append(PositionCorroborated.create(v, occurred_at=valid_time(v.valid_from), produced_at=at))
    return events


def cloudevent_headers(event: PositionEvent, subject: str) -> list[tuple[str, bytes]]:
    """CloudEvents binary-mode attributes for generic consumers."""
    attrs = {
        "ce_id": event.event_id,
        "ce_source": CE_SOURCE,
        "ce_type": f"claimtrack.{event.event_type}.v{event.schema_version}",
        "ce_specversion": "1.0",
        "ce_time": event.produced_at.isoformat(),
        "ce_subject": subject,
        "content-type": "application/json",
    }
    return [(k, v.encode()) for k, v in attrs.items()]
