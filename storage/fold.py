"""The position fold: what a position event does to one position's version rows. Pure.

A revision states the versions it changed and how many the history now has; a change
closes the version before it and ends the history with itself; a corroboration replaces
one version. Open rows (``recorded_to`` None) are the history as now believed; an event
closes the open rows that differ from the history it states and opens the ones missing,
so re-applying it changes nothing.

Why here: the projector (``storage.projection``) and the tests fold with these same
functions, so the rules exist once. ``storage`` is the lowest layer both can import
(``storage`` may not import ``streams``), and the rows are the projection's, not part
of the event contract that ``schemas`` holds. This module does no I/O and imports no
database driver.

Transaction time is the event's ``produced_at`` (the log time of the claim that caused
it), never the database clock, so the fold decides ``recorded_from`` and ``recorded_to``.
Left to SQL: reading the open rows, and the writes, keyed by (actor, topic, version,
recorded_from, event_id) with ``ON CONFLICT DO NOTHING``; ``fold`` mirrors that key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from schemas.events import PositionChanged, PositionEvent, PositionRevised, PositionVersion, Stance

# A version row's identity: what a change may alter. Rows whose shape is unchanged stay open.
Shape = tuple[int, str, str | None, date, date | None, int, tuple[str, ...]]

# A row's primary key within its position: two changes may share a log time, the event tells them apart.
RowKey = tuple[int, datetime, str]


@dataclass(frozen=True)
class Version:
    """What a row says about one version of the position, in valid time."""

    version: int
    stance: Stance
    previous_stance: Stance | None
    valid_from: date
    valid_to: date | None
    reports: int
    statement_ids: tuple[str, ...]  # in valid-time order; the claims behind them are in the claims table
    extractor_version: str

    @classmethod
    def of(cls, v: PositionVersion) -> Version:
        return cls(
            version=v.version,
            stance=v.stance,
            previous_stance=v.previous_stance,
            valid_from=v.valid_from,
            valid_to=v.valid_to,
            reports=v.reports,
            statement_ids=v.statement_ids,
            extractor_version=v.extractor_version,
        )

    @property
    def shape(self) -> Shape:
        return (self.version, self.stance.value, self.previous_stance.value if self.previous_stance else None,
                self.valid_from, self.valid_to, self.reports, tuple(sorted(self.statement_ids)))


@dataclass(frozen=True)
class VersionRow:
    """A version as recorded: believed from ``recorded_from`` until ``recorded_to``
    (None: still believed), written by event ``event_id``."""

    data: Version
    recorded_from: datetime
    recorded_to: datetime | None
    event_id: str

    @property
    def key(self) -> RowKey:
        return (self.data.version, self.recorded_from, self.event_id)


@dataclass(frozen=True)
class Writes:
    """What one event writes: open rows it closes (with their ``recorded_to`` set), then rows it inserts."""

    close: tuple[VersionRow, ...]
    insert: tuple[VersionRow, ...]


def believed(rows: Sequence[VersionRow]) -> tuple[VersionRow, ...]:
    """The open rows, by version: the history as now believed."""
    return tuple(sorted((r for r in rows if r.recorded_to is None), key=lambda r: r.data.version))


def believed_at(rows: Sequence[VersionRow], known_at: datetime) -> tuple[VersionRow, ...]:
    """The rows believed at transaction time ``known_at``, by version."""
    held = (r for r in rows if r.recorded_from <= known_at and (r.recorded_to is None or r.recorded_to > known_at))
    return tuple(sorted(held, key=lambda r: r.data.version))


def _target(event: PositionEvent, open_rows: Sequence[VersionRow]) -> list[Version]:
    """The history the event says now holds."""
    if isinstance(event, PositionRevised):
        named = {v.version: Version.of(v) for v in event.data.versions}
        unnamed = [r.data for r in open_rows if r.data.version not in named and r.data.version <= event.data.count]
        return sorted([*unnamed, *named.values()], key=lambda v: v.version)
    v = event.data
    kept: list[Version] = []
    for row in open_rows:
        held = row.data
        if isinstance(event, PositionChanged):
            if held.version == v.version - 1:
                held = replace(held, valid_to=v.valid_from)  # the new version closes the previous one
            if held.version < v.version:
                kept.append(held)
        elif held.version != v.version:
            kept.append(held)
    return [*kept, Version.of(v)]


def writes_for(open_rows: Sequence[VersionRow], event: PositionEvent) -> Writes:
    """What ``event`` writes, given the position's open rows ordered by version.

    Transaction time never runs backwards for a position: an event whose log time is
    older than the rows it touches (a producer's clock, a copied message) is recorded
    at the latest time the position already holds, so no row ends before it began."""
    at = max([event.produced_at, *(r.recorded_from for r in open_rows)])
    target = _target(event, open_rows)
    target_shapes = {t.shape for t in target}
    open_by_shape = {r.data.shape: r for r in open_rows}
    close = tuple(replace(r, recorded_to=at) for shape, r in open_by_shape.items() if shape not in target_shapes)
    insert = tuple(VersionRow(t, at, None, event.event_id) for t in target if t.shape not in open_by_shape)
    return Writes(close=close, insert=insert)


def fold(rows: Sequence[VersionRow], event: PositionEvent) -> tuple[VersionRow, ...]:
    """One position's rows, closed ones included, after ``event``: what the projector leaves in the table."""
    writes = writes_for(believed(rows), event)
    closed = {r.key: r for r in writes.close}
    after = {r.key: closed.get(r.key, r) for r in rows}
    for row in writes.insert:
        after.setdefault(row.key, row)  # the table's ON CONFLICT DO NOTHING
    return tuple(after.values())
