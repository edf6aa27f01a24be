"""Frozen event models and the envelope every event travels in.

Each event has a deterministic ``event_id``: a hash of what the event says (its
type, schema version and data), never of when it was produced, so re-running any
stage produces the same ids and consumers can drop duplicates by id.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.ids import stable_hash

# The schema version each event type is written at; readers upcast older ones (schemas.codec).
# Position events went to 2 when they stopped carrying a version's whole evidence.
SCHEMA_VERSION = 2


class Topic(StrEnum):
    DIALOGUE = "dialogue"
    DE_ESCALATION = "de_escalation"
    MILITARY_CONTACTS = "military_contacts"
    # Extra topics an extractor may emit; they are not scored nor tracked.
    NATO_ENLARGEMENT = "nato_enlargement"
    UKRAINE = "ukraine"
    SECURITY_GUARANTEES = "security_guarantees"
    ARMS_CONTROL = "arms_control"


TRACKED_TOPICS: tuple[Topic, ...] = (Topic.DIALOGUE, Topic.DE_ESCALATION, Topic.MILITARY_CONTACTS)


class Stance(StrEnum):
    SUPPORT = "support"
    CONDITIONAL = "conditional"
    OPPOSE = "oppose"


class Side(StrEnum):
    RUSSIA = "russia"
    NATO = "nato"
    OTHER = "other"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Article(Model):
    """One news article or transcript, as read from a corpus."""

    article_id: str
    source: str = Field(description="Where the article was read from: a path or corpus reference.")
    title: str
    text: str = Field(description="The full article text; every evidence span indexes it.")
    body_start: int = Field(ge=0, description="Offset in `text` where the body begins.")
    outlet: str | None = None
    url: str | None = None
    published_at: date | None = None
    date_source: Literal["text", "inferred", "manifest", "unknown"] = Field(
        "unknown", description="Where published_at came from; 'inferred': a dateline's year guessed from the text."
    )


class EvidenceSpan(Model):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    stance: Stance


class Claim(Model):
    """One actor's stance on one topic in one article (see CLAIMS.md)."""

    claim_id: str
    article_id: str
    source: str
    outlet: str | None = None
    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    stance: Stance
    evidence: str = Field(description="The text at `span` in the article.")
    span: tuple[int, int]
    evidence_spans: tuple[EvidenceSpan, ...]
    statement_id: str = Field(description="The same statement reported by several articles shares this id.")
    published_at: date | None
    date_known: bool
    confidence: float = Field(ge=0.0, le=1.0)
    extractor_version: str


class Report(Model):
    """One article's report of a statement."""

    claim_id: str
    article_id: str
    outlet: str | None = None
    published_at: date
    span: tuple[int, int]
    quote: str


class EvidenceRef(Model):
    """A statement that backs a position version, with every report of it."""

    statement_id: str
    stance: Stance
    reports: tuple[Report, ...] = Field(min_length=1, description="Earliest first; the first sets the valid time.")


class PositionVersion(Model):
    """One version of an actor's position on a topic, over its valid time.

    Schema 2: ``statement_ids`` names every statement behind the version, while
    ``evidence`` is only a sample, the report this event adds: the other reports are
    the claims themselves, on the claims topic and in the ``claims`` table, found by
    statement id. So an event's size does not grow with the reports an actor has
    gathered."""

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    version: int = Field(ge=1)
    previous_stance: Stance | None
    stance: Stance
    valid_from: date
    valid_to: date | None = Field(None, description="The next version's valid_from; None while current.")
    statement_ids: tuple[str, ...] = Field(min_length=1, description="Every statement behind this version, in "
                                           "valid-time order (earliest report first, then statement id).")
    evidence: tuple[EvidenceRef, ...] = Field(description="A sample: the reports this event adds to the version.")
    reports: int = Field(ge=1, description="How many article reports back this version.")
    extractor_version: str


class Revision(Model):
    """A late claim corrected the past. Schema 2: ``versions`` holds only the versions
    that are new or no longer as recorded; ``count`` is how many versions the history
    now has, so a version numbered above it is gone; ``replaces`` the numbers of the
    versions that no longer hold as recorded."""

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    replaces: tuple[int, ...]
    versions: tuple[PositionVersion, ...]
    count: int = Field(ge=1, description="How many versions the history has after the revision.")
    extractor_version: str


class Envelope(Model):
    """What every event carries besides its data."""

    event_type: str
    event_id: str
    schema_version: int = 1
    # Aware times only: a time without a zone cannot be ordered against the others.
    occurred_at: AwareDatetime | None = Field(
        description="Valid time: when what the event reports happened (publication time), if known."
    )
    produced_at: AwareDatetime = Field(description="When the producing stage wrote the event.")
    data: Any

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1  # the schema version this build writes the type at

    @classmethod
    def create(cls, data: Any, *, occurred_at: datetime | None, produced_at: datetime) -> Self:
        identity = {"type": cls.TYPE, "v": cls.VERSION, "data": data.model_dump(mode="json")}
        return cls(
            event_type=cls.TYPE,
            event_id=stable_hash(identity, 32),
            schema_version=cls.VERSION,
            occurred_at=occurred_at,
            produced_at=produced_at,
            data=data,
        )


class ArticlePublished(Envelope):
    TYPE: ClassVar[str] = "ArticlePublished"
    event_type: Literal["ArticlePublished"]
    data: Article


class ClaimExtracted(Envelope):
    TYPE: ClassVar[str] = "ClaimExtracted"
    event_type: Literal["ClaimExtracted"]
    data: Claim


class PositionChanged(Envelope):
    """The actor's current position on the topic changed: ``data`` is the new version."""

    TYPE: ClassVar[str] = "PositionChanged"
    VERSION: ClassVar[int] = SCHEMA_VERSION
    event_type: Literal["PositionChanged"]
    schema_version: int = SCHEMA_VERSION
    data: PositionVersion


class PositionRevised(Envelope):
    """A late claim changed the position's past."""

    TYPE: ClassVar[str] = "PositionRevised"
    VERSION: ClassVar[int] = SCHEMA_VERSION
    event_type: Literal["PositionRevised"]
    schema_version: int = SCHEMA_VERSION
    data: Revision


class PositionCorroborated(Envelope):
    """A version gained evidence (a new statement, or another report of one) and
    otherwise stands as it was: ``data`` is the version with its evidence now."""

    TYPE: ClassVar[str] = "PositionCorroborated"
    VERSION: ClassVar[int] = SCHEMA_VERSION
    event_type: Literal["PositionCorroborated"]
    schema_version: int = SCHEMA_VERSION
    data: PositionVersion


PositionEvent = PositionChanged | PositionRevised | PositionCorroborated
Event = Annotated[
    ArticlePublished | ClaimExtracted | PositionChanged | PositionRevised | PositionCorroborated,
    Field(discriminator="event_type"),
]
EVENT_TYPES: tuple[type[Envelope], ...] = (
    ArticlePublished, ClaimExtracted, PositionChanged, PositionRevised, PositionCorroborated,
)
CURRENT_VERSION: dict[str, int] = {t.TYPE: t.VERSION for t in EVENT_TYPES}
