"""Events stay readable: every published sample parses, readers ignore fields they
do not know, and within a schema_version the schemas change only by addition
(baseline in schemas/json/baseline/)."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from schemas import decode_event
from schemas.codec import UPCASTERS
from schemas.events import CURRENT_VERSION
from schemas.export import SCHEMA_DIR, schema_documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
SAMPLES = sorted(FIXTURES.glob("v*/*.json"))
BASELINE = SCHEMA_DIR / "baseline"
BASELINES = sorted(BASELINE.glob("v*/*.schema.json"))  # baseline/v{N}/{type}: the schema as version N was published
PUBLISHED = sorted(SCHEMA_DIR.glob("*.schema.json")) + BASELINES
UNKNOWN = "added_by_a_newer_producer"


def test_there_is_a_sample_of_every_event_type() -> None:
    types = {p.stem for p in SAMPLES}
    assert types == {name.split(".")[0] for name in schema_documents()}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_published_samples_still_parse(sample: Path) -> None:
    raw = json.loads(sample.read_text())
    event = decode_event(sample.read_bytes())
    assert event.event_type == raw["event_type"] == sample.stem
    assert event.event_id == raw["event_id"]


def _with_unknown_fields(node: Any) -> tuple[Any, int]:
    """The JSON with an unknown field added to every object in it, and how many objects got one."""
    if isinstance(node, list):
        items = [_with_unknown_fields(item) for item in node]
        return [item for item, _ in items], sum(count for _, count in items)
    if not isinstance(node, dict):
        return node, 0
    fields = {key: _with_unknown_fields(value) for key, value in node.items()}
    extended = {key: value for key, (value, _) in fields.items()} | {UNKNOWN: {"any": ["value", 1]}}
    return extended, 1 + sum(count for _, count in fields.values())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_unknown_fields_at_every_level_are_ignored(sample: Path) -> None:
    extended, objects = _with_unknown_fields(json.loads(sample.read_text()))
    assert objects >= 2, "the envelope and its data"
    event = decode_event(json.dumps(extended).encode())
    assert event == decode_event(sample.read_bytes())
    assert UNKNOWN not in event.model_dump_json()


@pytest.mark.parametrize("schema", PUBLISHED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_published_schemas_allow_unknown_properties(schema: Path) -> None:
    document = json.loads(schema.read_text())
    objects = [document, *document.get("$defs", {}).values()]
    models = [o for o in objects if o.get("type") == "object"]
    assert [m.get("title") for m in models if m.get("additionalProperties") is not True] == []


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_sample_with_unknown_fields_is_valid_against_its_published_schema(sample: Path) -> None:
    raw = json.loads(sample.read_text())
    extended, _ = _with_unknown_fields(raw)
    version = raw["schema_version"]
    published = SCHEMA_DIR if version == CURRENT_VERSION[sample.stem] else BASELINE / f"v{version}"
    jsonschema.validate(extended, json.loads((published / f"{sample.stem}.schema.json").read_text()))


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
    if o.get("additionalProperties") is not False and n.get("additionalProperties") is False:
        problems.append(f"{where}: unknown properties no longer allowed")
    for name, child in o.get("properties", {}).items():
        if name not in n.get("properties", {}):
            problems.append(f"{where}.{name}: removed")
        else:
            problems += _incompatibilities(old, new, child, n["properties"][name], f"{where}.{name}")
    if "items" in o and isinstance(o["items"], dict) and isinstance(n.get("items"), dict):
        problems += _incompatibilities(old, new, o["items"], n["items"], f"{where}[]")
    return problems


def _version_of(baseline: Path) -> int:
    return int(baseline.parent.name.removeprefix("v"))


def test_every_event_type_has_a_baseline_at_its_current_version() -> None:
    assert {(p.name.split(".")[0], _version_of(p)) for p in BASELINES} >= set(CURRENT_VERSION.items())


@pytest.mark.parametrize("baseline", BASELINES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_schemas_change_only_by_addition_within_a_version(baseline: Path) -> None:
    """A type's current schema adds to its baseline; an older version's baseline is
    lifted by an upcaster at every step to the current one."""
    event_type, version = baseline.name.split(".")[0], _version_of(baseline)
    if version < CURRENT_VERSION[event_type]:
        missing = [v for v in range(version, CURRENT_VERSION[event_type]) if (event_type, v) not in UPCASTERS]
        assert missing == [], f"no upcaster for {event_type} from versions {missing}"
        return
    old = json.loads(baseline.read_text())
    new = json.loads(schema_documents()[baseline.name])
    assert _incompatibilities(old, new, old, new, old.get("title", baseline.stem)) == []


def test_the_compatibility_check_catches_a_removed_field() -> None:
    old = json.loads((BASELINE / "v2" / "PositionChanged.schema.json").read_text())
    new = json.loads(json.dumps(old))
    del new["$defs"]["PositionVersion"]["properties"]["stance"]
    assert any("stance: removed" in p for p in _incompatibilities(old, new, old, new, "PositionChanged"))


def test_the_compatibility_check_catches_unknown_properties_forbidden_again() -> None:
    old = json.loads((BASELINE / "v2" / "PositionChanged.schema.json").read_text())
    new = json.loads(json.dumps(old))
    new["$defs"]["Report"]["additionalProperties"] = False
    problems = _incompatibilities(old, new, old, new, "PositionChanged")
    assert problems == ["PositionChanged.data.evidence[].reports[]: unknown properties no longer allowed"]
