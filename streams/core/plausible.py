"""Plausible dates: a publication date outside a window (by default 1900 to a day after
now) is a typo or an attack, and would rewrite real actors' histories from year 1.

"Now" is the time the event was written to the log (for a corpus being read: the
clock), so every stage, and a rebuild years later, judges an event the same way."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from schemas.events import (
    ArticlePublished,
    ClaimExtracted,
    Envelope,
    PositionChanged,
    PositionCorroborated,
    PositionRevised,
    PositionVersion,
)


@dataclass(frozen=True)
class DateWindow:
    earliest: date = date(1900, 1, 1)
    latest: date | None = None  # None: a day after the time of writing

    def last(self, written: date) -> date:
        if self.latest is not None:
            return self.latest
        return written + timedelta(days=1) if written < date.max else written

    def refusal(self, day: date | None, written: date, what: str = "publication date") -> str | None:
        """Why ``day`` is refused for an event written on ``written``, or None when it is
        plausible (or unknown)."""
        last = self.last(written)
        if day is None or self.earliest <= day <= last:
            return None
        return f"{what} {day.isoformat()} is outside {self.earliest.isoformat()}..{last.isoformat()}"

    def event_refusal(self, event: Envelope, written: date) -> str | None:
        """Why an event written on ``written`` is refused for a date it carries, or None."""
        earliest, last = self.earliest, self.last(written)  # once for all of its dates
        for what, day in _dates_of(event):
            if day is not None and not earliest <= day <= last:
                return self.refusal(day, written, what)
        return None


def _version_dates(v: PositionVersion) -> Iterator[tuple[str, date | None]]:
    yield "valid_from", v.valid_from
    yield "valid_to", v.valid_to
    for ref in v.evidence:
        for report in ref.reports:
            yield "report date", report.published_at


def _dates_of(event: Envelope) -> Iterator[tuple[str, date | None]]:
    if event.occurred_at is not None:
        yield "occurred_at", event.occurred_at.date()
    if isinstance(event, ArticlePublished | ClaimExtracted):
        yield "publication date", event.data.published_at
    elif isinstance(event, PositionChanged | PositionCorroborated):
        yield from _version_dates(event.data)
    elif isinstance(event, PositionRevised):
        for v in event.data.versions:
            yield from _version_dates(v)
