"""Versioning: how each claim moves an actor's position on a topic. Pure functions.

A position keeps a summary of each distinct statement: its stance, the date of its
earliest report and how many reports it has (corroboration). It keeps no quotes: they
stay with the claims. Its versions are derived from the statements in valid-time order
(the earliest report's publication date, then statement id), so the same claims give
the same history in any arrival order. A version is a run of equal stances; a claim
with the current stance only adds evidence.

Each claim yields an ``Outcome``: ``changed``, the new current version when the
present position changed; ``revision``, the versions a late claim changed in the past
(with ``changed`` too when that also moved the present); or ``corroborated``, the
version that gained evidence when nothing else changed. Every version an outcome names
carries as evidence only the report of the claim behind it, so what is written per
claim does not grow with the reports the position has gathered.

Knowing whether a claim was applied before is the caller's (``streams.core.batches``):
``apply_claim`` counts every claim it is given.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import Claim, EvidenceRef, PositionVersion, Report, Revision, Side, Stance, Topic


class Statement(BaseModel):
    """What versioning needs of one statement: its stance, when it was first reported, how often."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    statement_id: str
    stance: Stance
    since: date = Field(description="The earliest report's publication date: the statement's valid time.")
    reports: int = Field(ge=1)


class Position(BaseModel):
    """An actor's position on one topic: a summary of its statements, in valid-time order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    statements: tuple[Statement, ...] = ()
    extractor_version: str = ""
    # The claims applied since the position was last stored (one batch of the version
    # processor). It stores, after the position, a mark per applied claim; a crash
    # between the two writes can leave these claims unmarked (see streams.core.batches).
    recent: tuple[str, ...] = ()

    @property
    def versions(self) -> tuple[PositionVersion, ...]:
        return derive_versions(self)

    @property
    def current(self) -> PositionVersion | None:
        versions = self.versions
        return versions[-1] if versions else None


@dataclass(frozen=True)
class Outcome:
    position: Position | None
    changed: PositionVersion | None = None  # the present position changed: the new current version
    revision: Revision | None = None  # the past changed: the versions that did
    corroborated: PositionVersion | None = None  # a version gained evidence, nothing else changed


def stored_state(position: Position) -> dict[str, Any]:
    """What the version processor keeps of a position."""
    return position.model_dump(mode="json")


def restored(state: dict[str, Any]) -> Position:
    """The position ``stored_state`` kept. A state kept by an earlier build, with every
    report and quote of each statement (and perhaps the versions), is summarised."""
    statements = state.get("statements") or []
    if statements and "reports" in statements[0] and isinstance(statements[0]["reports"], list):
        state = {**{k: v for k, v in state.items() if k != "versions"},
                 "statements": [_summary_of_reports(s) for s in statements]}
    return Position.model_validate(state)


def _summary_of_reports(statement: dict[str, Any]) -> dict[str, Any]:
    reports = statement["reports"]
    return {"statement_id": statement["statement_id"], "stance": statement["stance"],
            "since": min(str(r["published_at"]) for r in reports), "reports": len(reports)}


def position_key(actor_id: str, topic: str) -> str:
    return f"{actor_id}|{topic}"


def settled(position: Position | None) -> Position | None:
    """The position as a new batch starts from it, its recent claims forgotten: the caller
    has marked them (``streams.core.batches``)."""
    return position.model_copy(update={"recent": ()}) if position is not None and position.recent else position


def claim_key(claim_id: str) -> str:
    """The key under which the version processor remembers that it applied a claim."""
    return f"claim|{claim_id}"


def _valid_time(statement: Statement) -> tuple[date, str]:
    return (statement.since, statement.statement_id)


def derive_versions(position: Position, added: Report | None = None,
                    statement_id: str | None = None) -> tuple[PositionVersion, ...]:
    """Runs of equal stance over the statements in valid-time order. ``added``, the
    report of statement ``statement_id`` just applied, is the evidence of the version
    that holds that statement; the others carry none."""
    runs: list[list[Statement]] = []
    for statement in position.statements:
        if runs and runs[-1][0].stance == statement.stance:
            runs[-1].append(statement)
        else:
            runs.append([statement])
    versions = []
    for number, run in enumerate(runs, start=1):
        following = runs[number] if number < len(runs) else None
        ids = tuple(s.statement_id for s in run)
        sample = (EvidenceRef(statement_id=statement_id, stance=run[0].stance, reports=(added,)),) \
            if added is not None and statement_id in ids else ()
        versions.append(
            PositionVersion(
                actor_id=position.actor_id,
                actor_name=position.actor_name,
                side=position.side,
                topic=position.topic,
                version=number,
                previous_stance=runs[number - 2][0].stance if number > 1 else None,
                stance=run[0].stance,
                valid_from=run[0].since,
                valid_to=following[0].since if following else None,
                statement_ids=ids,
                evidence=sample,
                reports=sum(s.reports for s in run),
                extractor_version=position.extractor_version,
            )
        )
    return tuple(versions)


def _shape(v: PositionVersion, last: bool) -> tuple[object, ...]:
    """What makes a version the same version: its stance and valid time (the last
    one's end is left out, since a new version closes it)."""
    return (v.version, v.stance, v.valid_from, None if last else v.valid_to)


def _content(v: PositionVersion) -> tuple[object, ...]:
    """What a version says of the history: all but its evidence sample and the
    extractor version, which the claim alone changes."""
    return (*_shape(v, False), v.previous_stance, v.reports, v.statement_ids)


def _with_report(position: Position, claim: Claim) -> Position:
    assert claim.published_at is not None
    statements = list(position.statements)
    for i, statement in enumerate(statements):
        if statement.statement_id == claim.statement_id:
            statements[i] = statement.model_copy(update={"since": min(statement.since, claim.published_at),
                                                         "reports": statement.reports + 1})
            break
    else:
        statements.append(Statement(statement_id=claim.statement_id, stance=claim.stance, since=claim.published_at,
                                    reports=1))
    return position.model_copy(update={"statements": tuple(sorted(statements, key=_valid_time)),
                                       "extractor_version": claim.extractor_version,
                                       "recent": (*position.recent, claim.claim_id)})


def apply_claim(position: Position | None, claim: Claim) -> Outcome:
    """The position after ``claim``, and what changed in its history.

    A claim whose publication date is unknown changes nothing: an undated claim cannot
    be placed in valid time.
    """
    if claim.published_at is None:
        return Outcome(position)
    before = position or Position(actor_id=claim.actor_id, actor_name=claim.actor_name, side=claim.side,
                                  topic=claim.topic)
    after = _with_report(before, claim)
    report = Report(claim_id=claim.claim_id, article_id=claim.article_id, outlet=claim.outlet,
                    published_at=claim.published_at, span=claim.span, quote=claim.evidence)
    old = derive_versions(before)
    new = derive_versions(after, report, claim.statement_id)
    kept = all(_shape(o, i == len(old) - 1) == _shape(n, i == len(old) - 1) for i, (o, n) in
               enumerate(zip(old, new, strict=False)))
    regrouped = [n for o, n in zip(old, new, strict=False)
                 if (o.reports, o.statement_ids) != (n.reports, n.statement_ids)]
    if kept and len(new) == len(old) and len(regrouped) == 1:
        return Outcome(after, corroborated=regrouped[0])  # more evidence for one version we had
    # An earlier report can also move a statement from one run of a stance to another
    # with the same shapes: two versions' statements change, which only a revision says.
    if kept and len(new) == len(old) + 1 and not regrouped:
        return Outcome(after, changed=new[-1])  # a new current version after all we knew
    differs = [i for i in range(max(len(old), len(new)))
               if i >= len(old) or i >= len(new) or _content(old[i]) != _content(new[i])]
    revision = Revision(actor_id=after.actor_id, actor_name=after.actor_name, side=after.side, topic=after.topic,
                        replaces=tuple(old[i].version for i in differs if i < len(old)),
                        versions=tuple(new[i] for i in differs if i < len(new)), count=len(new),
                        extractor_version=claim.extractor_version)
    return Outcome(after, changed=new[-1] if old[-1].stance != new[-1].stance else None, revision=revision)
