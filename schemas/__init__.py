"""Event models of claimtrack: what travels on the Kafka topics.

This package imports nothing else of the project; every other layer builds on it.
"""

from schemas.codec import DecodeError, decode_event, encode_event
from schemas.events import (
    SCHEMA_VERSION,
    Article,
    ArticlePublished,
    Claim,
    ClaimExtracted,
    Event,
    EvidenceRef,
    EvidenceSpan,
    PositionChanged,
    PositionCorroborated,
    PositionEvent,
    PositionRevised,
    PositionVersion,
    Report,
    Revision,
    Side,
    Stance,
    Topic,
)

__all__ = [
    "SCHEMA_VERSION",
    "Article",
    "ArticlePublished",
    "Claim",
    "ClaimExtracted",
    "DecodeError",
    "Event",
    "EvidenceRef",
    "EvidenceSpan",
    "PositionChanged",
    "PositionCorroborated",
    "PositionEvent",
    "PositionRevised",
    "PositionVersion",
    "Report",
    "Revision",
    "Side",
    "Stance",
    "Topic",
    "decode_event",
    "encode_event",
]
