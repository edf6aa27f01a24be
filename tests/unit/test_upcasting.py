"""The upcast path: an event of an older schema_version is lifted to the current
model before validation; a version nothing lifts is refused."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from schemas import SCHEMA_VERSION, DecodeError, PositionChanged, Stance, decode_event
from schemas.codec import UPCASTERS

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "events" / "v1" / "PositionChanged.json"


def _as_version_0(current: dict[str, Any]) -> dict[str, Any]:
    """A made-up PositionChanged v0: the stance was called `position` and reports were not counted."""
    data = {key: value for key, value in current["data"].items() if key not in ("stance", "reports")}
    return {**current, "schema_version": 0, "data": data | {"position": current["data"]["stance"]}}


def _from_version_0(old: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in old["data"].items() if key != "position"}
    reports = sum(len(ref["reports"]) for ref in data["evidence"])
    return old | {"data": data | {"stance": old["data"]["position"], "reports": reports}}


def _payload(raw: dict[str, Any]) -> bytes:
    return json.dumps(raw).encode()


@pytest.fixture
def version_0() -> dict[str, Any]:
    return _as_version_0(json.loads(SAMPLE.read_text()))


@pytest.fixture
def upcaster_from_0(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(UPCASTERS, ("PositionChanged", 0), _from_version_0)


@pytest.mark.usefixtures("upcaster_from_0")
def test_an_older_event_decodes_as_the_current_model(version_0: dict[str, Any]) -> None:
    event = decode_event(_payload(version_0))
    assert isinstance(event, PositionChanged)
    assert event.schema_version == SCHEMA_VERSION
    assert (event.data.stance, event.data.reports) == (Stance.CONDITIONAL, 1)
    assert event == decode_event(SAMPLE.read_bytes())


def test_without_its_upcaster_an_older_event_is_refused(version_0: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="no upcaster for PositionChanged from schema_version 0"):
        decode_event(_payload(version_0))


@pytest.mark.usefixtures("upcaster_from_0")
def test_an_upcaster_lifts_only_its_own_event_type_and_version(version_0: dict[str, Any]) -> None:
    with pytest.raises(DecodeError, match="no upcaster for PositionCorroborated from schema_version 0"):
        decode_event(_payload(version_0 | {"event_type": "PositionCorroborated"}))
    with pytest.raises(DecodeError, match="no upcaster for PositionChanged from schema_version -1"):
        decode_event(_payload(version_0 | {"schema_version": -1}))


@pytest.mark.usefixtures("upcaster_from_0")
def test_a_newer_version_is_refused(version_0: dict[str, Any]) -> None:
    newer = SCHEMA_VERSION + 1
    reason = f"unknown schema_version {newer} of PositionChanged (this build reads {SCHEMA_VERSION})"
    with pytest.raises(DecodeError, match=re.escape(reason)):
        decode_event(_payload(version_0 | {"schema_version": newer}))


def test_what_an_upcaster_returns_is_validated(monkeypatch: pytest.MonkeyPatch, version_0: dict[str, Any]) -> None:
    monkeypatch.setitem(UPCASTERS, ("PositionChanged", 0), lambda old: old)
    with pytest.raises(DecodeError, match=re.escape("invalid event: PositionChanged.data.stance: Field required")):
        decode_event(_payload(version_0))
