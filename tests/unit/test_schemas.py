import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import Article, ArticlePublished, DecodeError, EvidenceSpan, decode_event, encode_event
from schemas.export import SCHEMA_DIR, schema_documents


def _article(text: str = "Some text") -> Article:
    return Article(article_id="a-1", source="x.txt", title="T", text=text, body_start=0,
                   published_at=date(2021, 6, 8), date_source="text")


def test_json_schema_files_match_the_models() -> None:
    for name, text in schema_documents().items():
        path = SCHEMA_DIR / name
        assert path.exists(), f"{name} missing: run python -m schemas.export"
        assert path.read_text() == text, f"{name} drifted from the model: run python -m schemas.export"


def test_event_id_depends_on_content_not_on_production_time() -> None:
    first = ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime(2024, 1, 1, tzinfo=UTC))
    again = ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime(2025, 1, 1, tzinfo=UTC))
    other = ArticlePublished.create(_article("Other text"), occurred_at=None, produced_at=first.produced_at)
    assert first.event_id == again.event_id
    assert first.event_id != other.event_id


def test_events_are_frozen() -> None:
    event = ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime.now(UTC))
    with pytest.raises(ValidationError, match="frozen"):
        event.event_id = "x"  # type: ignore[misc]


def test_code_that_misspells_a_field_fails() -> None:
    with pytest.raises(ValidationError, match="stnace"):
        EvidenceSpan(start=0, end=4, text="Some", stnace="support")  # type: ignore[call-arg]
    raw = json.loads(encode_event(ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime.now(UTC))))
    raw["data"]["titel"] = "T"
    with pytest.raises(ValidationError, match="titel"):
        ArticlePublished.model_validate(raw)


def test_decoding_ignores_unknown_fields() -> None:
    event = ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime.now(UTC))
    raw = json.loads(encode_event(event))
    raw["surprise"] = 1
    raw["data"]["surprise"] = {"nested": True}
    assert decode_event(json.dumps(raw).encode()) == event


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event_type": "ArticlePublished"}', "schema_version"),
        (b'{"event_type": "ArticlePublished", "schema_version": true}', "schema_version is missing or not an integer"),
        (b'{"event_type": "ArticlePublished", "schema_version": 99}', "unknown schema_version 99"),
        (b'{"event_type": "Nope", "schema_version": 1}', "invalid event"),
    ],
)
def test_bad_payloads_say_why(payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_event(payload)


@given(st.text(min_size=1, max_size=200))
def test_roundtrip_preserves_every_field(text: str) -> None:
    event = ArticlePublished.create(_article(text), occurred_at=None, produced_at=datetime.now(UTC))
    assert decode_event(encode_event(event)) == event
