"""Versioning: how each claim moves an actor's position on a topic. Pure functions.

A position keeps its *statements*: one per distinct statement, with every article
that reported it (corroboration). Its versions are derived from the statements in
valid-time order (the earliest report's publication date, then statement id), so
the same claims give the same history in any arrival order. A version is a run of
equal stances; a claim with the current stance only adds evidence.

Each claim yields an ``Outcome``: ``changed``, the new current version when the
present position changed; ``revision``, the corrected history when a late claim
changed the past (with ``changed`` too when that also moved the present); or
``corroborated``, the version that gained evidence when nothing else changed. A claim
the position already knows yields none of them.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from schemas.events import Claim, EvidenceRef, PositionVersion, Report, Revision, Side, Topic


class Position(BaseModel):
    """An actor's position on one topic: its statements and the versions they make."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    statements: tuple[EvidenceRef, ...] = ()
    versions: tuple[PositionVersion, ...] = ()
    extractor_version: str = ""

    @property
    def current(self) -> PositionVersion | None:
        return self.versions[-1] if self.versions else None

    def knows(self, claim_id: str) -> bool:
        return any(r.claim_id == claim_id for s in self.statements for r in s.reports)


@dataclass(frozen=True)
class Outcome:
    position: Position | None
    changed: PositionVersion | None = None  # the present position changed: the new current version
    revision: Revision | None = None  # the past changed: the whole history as it now stands
    corroborated: PositionVersion | None = None  # a version gained evidence, nothing else changed


def stored_state(position: Position) -> dict[str, Any]:
    """What the version processor keeps of a position: its statements, not the versions
    they make, which ``restored`` derives again (half the bytes, and the changelog writes
    them on every claim)."""
    return position.model_dump(mode="json", exclude={"versions"})


def restored(state: dict[str, Any]) -> Position:
    """The position ``stored_state`` kept; a state that still holds its versions (as
    kept before) is read the same way."""
    position = Position.model_validate({k: v for k, v in state.items() if k != "versions"})
    return position.model_copy(update={"versions": derive_versions(position)})


def position_key(actor_id: str, topic: str) -> str:
    return f"{actor_id}|{topic}"


def _valid_time(statement: EvidenceRef) -> tuple[object, str]:
    return (statement.reports[0].published_at, statement.statement_id)


def derive_versions(position: Position) -> tuple[PositionVersion, ...]:
    """Runs of equal stance over the statements in valid-time order."""
    runs: list[list[EvidenceRef]] = []
    for statement in sorted(position.statements, key=_valid_time):
        if runs and runs[-1][0].stance == statement.stance:
            runs[-1].append(statement)
        else:
            runs.append([statement])
    versions = []
    for number, run in enumerate(runs, start=1):
        following = runs[number] if number < len(runs) else None
        versions.append(
            PositionVersion(
                actor_id=position.actor_id,
                actor_name=position.actor_name,
                side=position.side,
                topic=position.topic,
                version=number,
                previous_stance=runs[number - 2][0].stance if number > 1 else None,
                stance=run[0].stance,
                valid_from=run[0].reports[0].published_at,
                valid_to=following[0].reports[0].published_at if following else None,
                evidence=tuple(run),
                reports=sum(len(s.reports) for s in run),
                extractor_version=position.extractor_version,
            )
        )
    return tuple(versions)


def _shape(v: PositionVersion, last: bool) -> tuple[object, ...]:
    """What makes a version the same version: its stance and valid time (the last
    one's end is left out, since a new version closes it)."""
    return (v.version, v.stance, v.valid_from, None if last else v.valid_to)


def _with_report(position: Position, claim: Claim) -> Position:
    assert claim.published_at is not None
    report = Report(claim_id=claim.claim_id, article_id=claim.article_id, outlet=claim.outlet,
                    published_at=claim.published_at, span=claim.span, quote=claim.evidence)
    statements = list(position.statements)
    for i, statement in enumerate(statements):
        if statement.statement_id == claim.statement_id:
            reports = sorted((*statement.reports, report), key=lambda r: (r.published_at, r.article_id))
            statements[i] = statement.model_copy(update={"reports": tuple(reports)})
            break
    else:
        statements.append(EvidenceRef(statement_id=claim.statement_id, stance=claim.stance, reports=(report,)))
    return position.model_copy(update={"statements": tuple(statements), "extractor_version": claim.extractor_version})


def apply_claim(position: Position | None, claim: Claim) -> Outcome:
    """The position after ``claim``, and what changed in its history.

    A claim seen before, or one whose publication date is unknown, changes nothing:
    an undated claim cannot be placed in valid time.
    """
    if claim.published_at is None or (position is not None and position.knows(claim.claim_id)):
        return Outcome(position)
    before = position or Position(actor_id=claim.actor_id, actor_name=claim.actor_name, side=claim.side,
                                  topic=claim.topic)
    grown = _with_report(before, claim)
    after = grown.model_copy(update={"versions": derive_versions(grown)})
    old, new = before.versions, after.versions
    kept = all(_shape(o, i == len(old) - 1) == _shape(n, i == len(old) - 1) for i, (o, n) in
               enumerate(zip(old, new, strict=False)))
    regrouped = [n for o, n in zip(old, new, strict=False) if o.evidence != n.evidence]
    if kept and len(new) == len(old) and len(regrouped) == 1:
        return Outcome(after, corroborated=regrouped[0])  # more evidence for one version we had
    # An earlier report can also move a statement from one run of a stance to another
    # with the same shapes: two versions' evidence changes, which only a revision says.
    if kept and len(new) == len(old) + 1 and all(o.evidence == n.evidence for o, n in zip(old, new, strict=False)):
        return Outcome(after, changed=new[-1])  # a new current version after all we knew
    replaced = tuple(
        o.version for i, o in enumerate(old)
        if i >= len(new) or _shape(o, False) != _shape(new[i], False) or o.evidence != new[i].evidence
    )
    revision = Revision(actor_id=after.actor_id, actor_name=after.actor_name, side=after.side, topic=after.topic,
                        replaces=replaced, versions=new, extractor_version=claim.extractor_version)
    return Outcome(after, changed=new[-1] if old[-1].stance != new[-1].stance else None, revision=revision)
