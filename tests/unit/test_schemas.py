import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas import Article, ArticlePublished, DecodeError, EvidenceSpan, decode_event, encode_event
from schemas.codec import decode_carefully
from schemas.deadletter import MAX_REASON, DeadLetter
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
    # NUL alone comes back as U+FFFD: the one character no database text stores.
    stored = event.data.model_copy(update={"text": text.replace("\x00", "\ufffd")})
    assert decode_event(encode_event(event)) == event.model_copy(update={"data": stored})



def test_json_this_reader_cannot_take_is_a_decode_error_not_a_crash() -> None:
    for payload in (b'{"schema_version": ' + b"7" * 5000 + b"}", b"[" * 5000 + b"]" * 5000):
        with pytest.raises(DecodeError, match="not JSON this reader takes"):
            decode_event(payload)


def _raw(event: ArticlePublished) -> dict[str, object]:
    return json.loads(encode_event(event))  # type: ignore[no-any-return]


def test_nul_and_lone_surrogates_become_one_replacement_character_each() -> None:
    raw = _raw(ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime.now(UTC)))
    text = "Grushko said\x00 talks \ud800 are welcome 😀."
    raw["data"] = {**raw["data"], "text": text, "source": "s\x00.txt", "title": "t\udfff"}  # type: ignore[dict-item]
    decoded = decode_event(json.dumps(raw).encode())  # json.dumps escapes them as \u0000, \ud800
    assert decoded.data.text == "Grushko said\ufffd talks \ufffd are welcome 😀."
    assert len(decoded.data.text) == len(text)  # spans into the text stay true
    assert (decoded.data.source, decoded.data.title) == ("s\ufffd.txt", "t\ufffd")
    encode_event(decoded)  # storable, hashable, encodable


def test_a_time_without_a_zone_is_refused() -> None:
    raw = _raw(ArticlePublished.create(_article(), occurred_at=None, produced_at=datetime.now(UTC)))
    raw["produced_at"] = "2024-06-01T00:00:00"
    with pytest.raises(DecodeError, match="produced_at"):
        decode_event(json.dumps(raw).encode())


def test_a_dead_letter_is_bounded_whatever_it_refuses() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    big = DeadLetter.of(reason="Input tag " + "Nope" * 100_000, stage="project", topic="t", partition=0, offset=7,
                        key=b"k" * 5000, value=b"v" * 3000, at=at, keep_bytes=1000)
    assert big.value_truncated and big.value == "" and big.value_bytes == 3000
    assert len(big.reason) == MAX_REASON + 1 and len(big.model_dump_json()) < 5000
    small = DeadLetter.of(reason="bad", stage="extract", topic="t", partition=0, offset=8, key=None,
                          value=b"raw", at=at, keep_bytes=1000)
    assert not small.value_truncated and small.original_value() == b"raw"


def _pipeline_payloads() -> list[bytes]:
    """Every kind of event the pipeline writes, from the seed corpus, as it writes them."""
    from streams.core.batches import version_batch
    from streams.core.corpus import read_corpus
    from streams.core.handlers import article_event, claim_events, position_events
    from tests.generated_corpus import SEEDS

    at = datetime(2026, 1, 1, tzinfo=UTC)
    payloads: list[bytes] = []
    table: dict[str, object] = {}
    for article in read_corpus([SEEDS]):
        assert isinstance(article, Article)
        published = article_event(article, at)
        claims = claim_events(published, at)
        result = version_batch(table.get, [(c.data, 0) for c in claims])
        for write in result.writes:
            table[write.key] = write.value
        events = [e for a in result.applied for e in position_events(a.outcome, at)]
        payloads += [encode_event(e) for e in (published, *claims, *events)]
    return payloads


def test_the_quick_decoding_of_current_events_agrees_with_the_careful_one() -> None:
    payloads = _pipeline_payloads()
    fixtures = sorted((Path(__file__).parents[1] / "fixtures" / "events").glob("v*/*.json"))
    assert {json.loads(p)["event_type"] for p in payloads} >= {"ArticlePublished", "ClaimExtracted",
                                                               "PositionChanged", "PositionCorroborated"}
    for payload in [*payloads, *(f.read_bytes() for f in fixtures)]:
        assert decode_event(payload) == decode_carefully(payload)
    # What only the careful path refuses is still refused: a boolean version, a version to come.
    raw = json.loads(payloads[0])
    for version, reason in ((True, "not an integer"), (9, "unknown schema_version 9")):
        with pytest.raises(DecodeError, match=reason):
            decode_event(json.dumps({**raw, "schema_version": version}).encode())
