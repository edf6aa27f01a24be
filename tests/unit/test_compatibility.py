"""Events stay readable: every published sample parses, and within a schema_version
the schemas change only by addition (baseline in schemas/json/baseline/)."""

import json
from pathlib import Path
from typing import Any

import pytest

from schemas import decode_event
from schemas.export import SCHEMA_DIR, schema_documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
SAMPLES = sorted(FIXTURES.glob("v*/*.json"))
BASELINE = SCHEMA_DIR / "baseline"


def test_there_is_a_sample_of_every_event_type() -> None:
    types = {p.stem for p in SAMPLES}
    assert types == {name.split(".")[0] for name in schema_documents()}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_published_samples_still_parse(sample: Path) -> None:
    raw = json.loads(sample.read_text())
    event = decode_event(sample.read_bytes())
    assert event.event_type == raw["event_type"] == sample.stem
    assert event.event_id == raw["event_id"]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return schema["$defs"][ref.rsplit("/", 1)[1]] if ref else node


def _incompatibilities(old: dict[str, Any], new: dict[str, Any], o: dict[str, Any], n: dict[str, Any],
                       where: str) -> list[str]:
    o, n = _resolve(old, o), _resolve(new, n)
    problems = []
    if o.get("type") != n.get("type"):
        problems.append(f"{where}: type {o.get('type')} became {n.get('type')}")
    if "enum" in o and not set(o["enum"]) <= set(n.get("enum", [])):
        problems.append(f"{where}: enum values removed")
    added_required = set(n.get("required", [])) - set(o.get("required", []))
    if added_required:
        problems.append(f"{where}: new required fields {sorted(added_required)}")
    for name, child in o.get("properties", {}).items():
        if name not in n.get("properties", {}):
            problems.append(f"{where}.{name}: removed")
        else:
            problems += _incompatibilities(old, new, child, n["properties"][name], f"{where}.{name}")
    if "items" in o and isinstance(o["items"], dict) and isinstance(n.get("items"), dict):
        problems += _incompatibilities(old, new, o["items"], n["items"], f"{where}[]")
    return problems


@pytest.mark.parametrize("baseline", sorted(BASELINE.glob("*.json")), ids=lambda p: p.stem)
def test_schemas_change_only_by_addition_within_a_version(baseline: Path) -> None:
    old = json.loads(baseline.read_text())
    new = json.loads(schema_documents()[baseline.name])
    assert _incompatibilities(old, new, old, new, old.get("title", baseline.stem)) == []


def test_the_compatibility_check_catches_a_removed_field() -> None:
    old = json.loads((BASELINE / "PositionChanged.schema.json").read_text())
    new = json.loads(json.dumps(old))
    del new["$defs"]["PositionVersion"]["properties"]["stance"]
    assert any("stance: removed" in p for p in _incompatibilities(old, new, old, new, "PositionChanged"))
