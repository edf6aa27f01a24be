"""JSON bytes on the wire, decoded and validated with pydantic.

Readers are tolerant, writers strict: the models forbid unknown fields, so a
misspelt field in code fails at once, but decoding ignores fields this build
does not know, at every level, so a producer may add optional fields within a
schema version without breaking readers.

Text is made storable on the way in: NUL and lone surrogates, which JSON can carry as
escapes but neither PostgreSQL nor a UTF-8 encoder takes, become U+FFFD, one character
for one, so evidence spans stay true.

Older schema versions are upcast here before validation; a version this code
does not know is an error, so the event goes to the dead-letter topic instead
of being misread.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from schemas.events import CURRENT_VERSION, Envelope, Event

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

# (event_type, schema_version) -> function lifting such an event (the whole
# envelope as JSON) to the next version; upcast() then sets schema_version.
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def _version_v2(version: dict[str, Any]) -> dict[str, Any]:
    """A v1 version carried its whole evidence; v2 names its statements and keeps the
    evidence as its sample (a v1 event's sample is simply everything it had)."""
    evidence = version.get("evidence")
    statements = [ref.get("statement_id") for ref in evidence if isinstance(ref, dict)] \
        if isinstance(evidence, list) else []
    return {**version, "statement_ids": statements}


def _changed_v2(raw: dict[str, Any]) -> dict[str, Any]:
    data = raw.get("data")
    return {**raw, "data": _version_v2(data)} if isinstance(data, dict) else raw


def _revised_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """A v1 revision stated the whole history: every version is named, and their number is the count."""
    data = raw.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
        return raw
    versions = [_version_v2(v) if isinstance(v, dict) else v for v in data["versions"]]
    return {**raw, "data": {**data, "versions": versions, "count": len(versions)}}


UPCASTERS.update({
    ("PositionChanged", 1): _changed_v2,
    ("PositionCorroborated", 1): _changed_v2,
    ("PositionRevised", 1): _revised_v2,
})


class DecodeError(ValueError):
    """The bytes are not a valid claimtrack event; the message says why."""


def encode_event(event: Envelope) -> bytes:
    return event.model_dump_json().encode("utf-8")


def upcast(raw: dict[str, Any]) -> dict[str, Any]:
    """The event lifted to its type's current schema version, one registered step at a
    time; an unknown type is left for validation to refuse."""
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise DecodeError("schema_version is missing or not an integer")
    event_type = str(raw.get("event_type"))
    current = CURRENT_VERSION.get(event_type, version)
    while version < current:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise DecodeError(f"no upcaster for {event_type} from schema_version {version}")
        version += 1
        # Set here rather than trusted to each step: a step that forgot would loop forever.
        raw = {**step(raw), "schema_version": version}
    if version != current:
        raise DecodeError(f"unknown schema_version {version} of {event_type} (this build reads {current})")
    return raw


# JSON can carry, as escapes, characters no database or UTF-8 encoder takes: NUL, and
# surrogates without their pair (a pair decodes to one character, so what is left is lone).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_UNSTORABLE_ESCAPE_BYTES = re.compile(_UNSTORABLE_ESCAPE.pattern.encode())


def _storable(value: Any) -> Any:
    """``value`` with every unstorable character replaced by U+FFFD, one for one, so
    every span into a text still indexes it."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def decode_event(payload: bytes) -> Event:
    """The event the bytes carry, or DecodeError saying why they carry none."""
    # Most events are of the current version and carry no unstorable escape: pydantic reads
    # them straight from the bytes, strictly. Whatever that refuses (including an older
    # version, which needs upcasting) takes the careful path, which decides and says why.
    if not _UNSTORABLE_ESCAPE_BYTES.search(payload):
        try:
            event = _ADAPTER.validate_json(payload, strict=True, extra="ignore")
        except ValidationError:
            pass
        else:
            if event.schema_version == CURRENT_VERSION.get(event.event_type):
                return event
    return decode_carefully(payload)


def decode_carefully(payload: bytes) -> Event:
    """``decode_event`` by way of a JSON object that can be upcast and made storable."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not UTF-8: {exc.reason} at byte {exc.start}") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecodeError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except ValueError as exc:  # an integer of more digits than Python converts
        raise DecodeError(f"not JSON this reader takes: {str(exc)[:120]}") from exc
    except RecursionError as exc:
        raise DecodeError("not JSON this reader takes: nested too deeply") from exc
    if not isinstance(raw, dict):
        raise DecodeError("not a JSON object")
    if _UNSTORABLE_ESCAPE.search(text):
        raw = _storable(raw)
    try:
        # extra="ignore" overrides the models' extra="forbid" for this call only, in
        # every nested model too (pydantic >= 2.12): fields added by a newer producer
        # are dropped, while constructing a model in code still rejects them.
        return _ADAPTER.validate_python(upcast(raw), extra="ignore")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        raise DecodeError(f"invalid event: {where}: {first['msg']}") from exc
