"""Versioning: how each claim moves an actor's position on a topic. Pure functions.

A position's history is derived from all the claims seen for it, ordered by valid
time (publication date, then article id), so the same claims give the same
history whatever order they arrived in. A version is a run of equal stances; a
claim with the current stance only adds evidence.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict

from schemas.events import Claim, EvidenceRef, PositionVersion, Side, Stance, Topic


class ClaimRef(BaseModel):
    """What the position keeps of one dated claim."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim_id: str
    article_id: str
    published_at: date
    stance: Stance
    span: tuple[int, int]
    quote: str
    outlet: str | None
    extractor_version: str


class Position(BaseModel):
    """An actor's position on one topic: its claims and the versions they make."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    claims: tuple[ClaimRef, ...] = ()
    versions: tuple[PositionVersion, ...] = ()

    @property
    def current(self) -> PositionVersion | None:
        return self.versions[-1] if self.versions else None


def position_key(actor_id: str, topic: str) -> str:
    return f"{actor_id}|{topic}"


def empty_position(claim: Claim) -> Position:
    return Position(actor_id=claim.actor_id, actor_name=claim.actor_name, side=claim.side, topic=claim.topic)


def derive_versions(position: Position) -> tuple[PositionVersion, ...]:
    """Runs of equal stance over the claims in valid-time order."""
    versions: list[PositionVersion] = []
    runs: list[list[ClaimRef]] = []
    for ref in sorted(position.claims, key=lambda r: (r.published_at, r.article_id, r.claim_id)):
        if runs and runs[-1][0].stance == ref.stance:
            runs[-1].append(ref)
        else:
            runs.append([ref])
    for number, run in enumerate(runs, start=1):
        versions.append(
            PositionVersion(
                actor_id=position.actor_id,
                actor_name=position.actor_name,
                side=position.side,
                topic=position.topic,
                version=number,
                previous_stance=runs[number - 2][0].stance if number > 1 else None,
                stance=run[0].stance,
                valid_from=run[0].published_at,
                evidence=tuple(
                    EvidenceRef(claim_id=r.claim_id, article_id=r.article_id, span=r.span, quote=r.quote,
                                outlet=r.outlet)
                    for r in run
                ),
                extractor_version=run[0].extractor_version,
            )
        )
    return tuple(versions)


def _same_version(a: PositionVersion, b: PositionVersion) -> bool:
    return (a.stance, a.valid_from, a.previous_stance) == (b.stance, b.valid_from, b.previous_stance)


def apply_claim(position: Position | None, claim: Claim) -> tuple[Position | None, list[PositionVersion]]:
    """The position after ``claim`` and the versions that are new or different.

    A claim seen before, or one whose publication date is unknown, changes nothing:
    an undated claim cannot be placed in valid time.
    """
    if claim.published_at is None:
        return position, []
    position = position or empty_position(claim)
    if any(ref.claim_id == claim.claim_id for ref in position.claims):
        return position, []
    ref = ClaimRef(
        claim_id=claim.claim_id,
        article_id=claim.article_id,
        published_at=claim.published_at,
        stance=claim.stance,
        span=claim.span,
        quote=claim.evidence,
        outlet=claim.outlet,
        extractor_version=claim.extractor_version,
    )
    grown = position.model_copy(update={"claims": (*position.claims, ref)})
    versions = derive_versions(grown)
    grown = grown.model_copy(update={"versions": versions})
    old = position.versions
    changed = [v for i, v in enumerate(versions) if i >= len(old) or not _same_version(old[i], v)]
    return grown, changed
