"""What the API answers: pydantic models, so that /openapi.json describes every field."""

from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.events import Side, Stance, Topic

T = TypeVar("T")


class Out(BaseModel):
    # from_attributes: built straight from the query layer's dataclasses (dataclasses.asdict
    # deep-copies every field, most of a page's cost).
    model_config = ConfigDict(frozen=True, from_attributes=True)


class ActorOut(Out):
    actor_id: str = Field(description="The actor's id, as in every event and table.")
    name: str
    side: Side


class VersionOut(Out):
    """One version of an actor's position on a topic, as believed over a stretch of transaction time."""

    actor_id: str
    actor_name: str
    side: Side
    topic: Topic
    version: int = Field(description="1 for the first stance on record, then one more per change.")
    stance: Stance
    previous_stance: Stance | None
    valid_from: date = Field(description="Valid time: the day the stance was first reported.")
    valid_to: date | None = Field(description="Valid time: the day the next version begins; null while current.")
    reports: int = Field(description="How many reports (claims) back the version.")
    recorded_from: datetime = Field(description="Transaction time: when the service came to believe this row.")
    recorded_to: datetime | None = Field(description="Transaction time: when a later event replaced it; null: now.")
    statement_ids: list[str] = Field(description="The statements behind the version; their claims share these ids.")
    evidence: str | None = Field(description="The earliest report of the version's first statement.")


class EvidenceSpanOut(Out):
    start: int
    end: int
    text: str
    stance: Stance


class ClaimOut(Out):
    """One claim: who took which stance on a topic in one article, and the words that say so."""

    claim_id: str
    statement_id: str
    article_id: str
    actor_id: str
    topic: Topic
    stance: Stance
    evidence: str = Field(description="The quote behind the stance.")
    span_start: int = Field(description="Where the quote starts in the article's text.")
    span_end: int
    evidence_spans: list[EvidenceSpanOut] = Field(description="Every passage of the article that read as a stance.")
    published_at: date | None
    outlet: str | None
    source: str = Field(description="The article's file or identifier in its corpus.")
    url: str | None
    confidence: float
    extractor_version: str


class ArticleOut(Out):
    article_id: str
    source: str = Field(description="The article's file or identifier in its corpus.")
    title: str
    outlet: str | None
    url: str | None
    published_at: date | None
    body: str = Field(description="The text the claims' spans index.")


class Page(Out, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None = Field(
        description="The offset of the next page: set when this page is full (the next may be empty), else null.")


class Problem(Out):
    detail: str
