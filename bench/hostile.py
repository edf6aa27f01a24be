"""Hostile events for the poison run (bench/poison.py), one hypothesis strategy per input class.

``hostile_events(N, S)`` runs the strategies with ``@given`` inside the script (``@seed(S)``,
no example database, generation phase only) and collects what they generate: hypothesis'
text, binary and integer strategies reach the edges (NUL and control characters, boundary
values, empty and huge values) that a hand-written generator would have to list, and the
seed makes a run reproducible. ``strategy.example()`` would be neither seeded nor meant
for this. Mutated events start from valid events of every type made by the real
extraction and versioning code.
"""

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from extract_speed import generate  # noqa: E402

from schemas import encode_event  # noqa: E402
from streams.clients.producer import article_event  # noqa: E402
from streams.core.handlers import claim_events, position_events  # noqa: E402
from streams.core.versioning import Position, apply_claim, position_key  # noqa: E402

LIMIT = 880_000  # key + value bytes of one hostile record: under the broker's 1 MB message limit
T0 = datetime(2024, 1, 1, tzinfo=UTC)
ROLES = {"ArticlePublished": "articles", "ClaimExtracted": "claims", "PositionChanged": "changes",
         "PositionRevised": "changes", "PositionCorroborated": "changes"}
ODD_TIMES = [0, 1, 2**31, 32503680000000, 253402300799999, 10**15, 2**63 - 1]  # ms: 1970, year 3000, 9999, beyond
ODD_DATES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999+00:00", "0000-00-00",
             "10000-01-01", "2022-02-30", "yesterday", "", "2022-01-01T25:61:61Z", "-0001-01-01", "1e309"]
ODD_NUMBERS = [-1, 0, 2**31, -(2**31) - 1, 2**63, 10**30, 1e308, -0.0, 0.5, True, "7", None]
ODD_TEXT = ["\x00", "a\x00b", "\ud800", "x\udfff", "\u202e\u200b\ufeff", "\x1b[31m\x07\x08", "\r\n\t\x0b\x0c", ""]
MUTATIONS = ("wrong_event_type", "wrong_schema_version", "missing_field", "odd_dates", "odd_text", "odd_numbers",
             "huge_string", "extra_fields")


@dataclass(frozen=True)
class Poison:
    cls: str
    role: str  # articles, claims or changes
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None = None


def base_events(seed: int) -> list[dict[str, Any]]:
    """Valid events of every type as JSON, for the hostile ones to mutate. Their articles have
    ids of their own, so no hostile event shadows a good article."""
    docs: list[dict[str, Any]] = []
    positions: dict[str, Position | None] = {}
    for article in generate(12, seed + 7919):
        published = article_event(article.model_copy(update={"article_id": f"poison-{article.article_id}"}), T0)
        docs.append(json.loads(encode_event(published)))
        for claim in claim_events(published, T0):
            docs.append(json.loads(encode_event(claim)))
            key = position_key(claim.data.actor_id, claim.data.topic.value)
            outcome = apply_claim(positions.get(key), claim.data)
            positions[key] = outcome.position
            docs.extend(json.loads(encode_event(e)) for e in position_events(outcome, T0))
    return docs


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) of a JSON document below its root, containers included."""
    items = list(doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else [])
    return [((*prefix, k), v) for k, v in items] + [x for k, v in items for x in paths(v, (*prefix, k))]


def put(doc: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> Any:
    """A copy of ``doc`` with ``value`` at ``path``, or without that element."""
    copy = parent = json.loads(json.dumps(doc))
    for k in path[:-1]:
        parent = parent[k]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return copy


def natural_key(doc: dict[str, Any]) -> bytes:
    data, kind = doc["data"], doc["event_type"]
    return str(data["article_id"] if kind == "ArticlePublished" else data["actor_id"] if kind == "ClaimExtracted"
               else f"{data['actor_id']}|{data['topic']}").encode()


def dumps(doc: Any, ascii: bool = True) -> bytes:
    # A lone surrogate that json.dumps leaves unescaped (ascii=False) makes the bytes invalid UTF-8.
    return json.dumps(doc, ensure_ascii=ascii).encode("utf-8", "surrogatepass")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                    max_leaves=12)
ROLE = st.sampled_from(["articles", "claims", "changes"])
TEXT = st.one_of(st.sampled_from(ODD_TEXT), st.text(st.characters(codec=None, categories=["Cc"]), min_size=1),
                 st.text(), st.tuples(st.text(), st.sampled_from(ODD_TEXT), st.text()).map("".join))
ODD_DATE = st.one_of(st.sampled_from(ODD_DATES), st.dates().map(str), st.datetimes(timezones=st.just(UTC)).map(str),
                     st.integers(), st.floats())
ODD_KEY = st.one_of(st.none(), st.binary(max_size=64), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
                    st.integers(10_000, 400_000).map(lambda n: b"\x00\xff" * (n // 2)))


def strategies(pool: list[dict[str, Any]]) -> dict[str, st.SearchStrategy[Poison]]:
    """One strategy per input class."""
    base = st.sampled_from(pool)

    @st.composite
    def mutated(draw: st.DrawFn, cls: str) -> Poison:
        doc = original = draw(base)
        leaves = [(p, v) for p, v in paths(doc) if not isinstance(v, dict | list)]
        texts = [p for p, v in leaves if isinstance(v, str)]
        if cls == "wrong_event_type":
            doc = put(doc, ("event_type",), draw(st.sampled_from([*ROLES, None, 1]) | TEXT))
        elif cls == "wrong_schema_version":
            doc = put(doc, ("schema_version",), draw(st.sampled_from([0, -1, 2, 2**63, "1", 1.0, True, None, []])))
        elif cls == "missing_field":
            doc = put(doc, draw(st.sampled_from([p for p, _ in paths(doc)])), None, delete=True)
        elif cls == "odd_dates":
            dated = [p for p, _ in leaves if str(p[-1]).endswith(("_at", "_from", "_to"))]
            doc = put(doc, draw(st.sampled_from(dated)), draw(ODD_DATE))
        elif cls == "odd_text":
            for p in draw(st.lists(st.sampled_from(texts), min_size=1, max_size=3)):
                doc = put(doc, p, draw(TEXT))
        elif cls == "odd_numbers":
            numbers = [p for p, v in leaves if isinstance(v, int | float) and not isinstance(v, bool)]
            doc = put(doc, draw(st.sampled_from(numbers)), draw(st.sampled_from(ODD_NUMBERS)))
        elif cls == "huge_string":
            unit = draw(st.text(min_size=1, max_size=4))
            size = int((LIMIT - len(dumps(doc)) - 10_000) * draw(st.sampled_from([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 1])))
            wide = max(len(dumps(unit)), len(dumps(unit, False)))  # bytes of one unit in the JSON, at most
            doc = put(doc, draw(st.sampled_from(texts)), unit * (size // wide))
        elif cls == "extra_fields":
            dicts = [p for p, v in paths(doc) if isinstance(v, dict)]
            for p in [(), *draw(st.lists(st.sampled_from(dicts), max_size=2))]:
                doc = put(doc, (*p, draw(st.text(min_size=1, max_size=12))), draw(JSON))
        role = ROLES.get(str(doc.get("event_type"))) or draw(ROLE)  # where its (claimed) type belongs
        return Poison(cls, role, natural_key(original), dumps(doc, draw(st.booleans())))

    @st.composite
    def json_edge(draw: st.DrawFn) -> Poison:
        doc = json.dumps(draw(base))
        value = draw(st.sampled_from([
            doc.replace("{", '{"event_type": "Nope", ', 1),  # a duplicate key: the last one wins
            "\ufeff" + doc, doc.replace("1", "NaN", 1), doc + " trailing", doc[: draw(st.integers(0, len(doc)))]]))
        return Poison("json_edge", draw(ROLE), b"edge", value.encode())

    def on(role: str) -> st.SearchStrategy[dict[str, Any]]:
        return st.sampled_from([d for d in pool if ROLES[d["event_type"]] == role])

    def valid(cls: str, role: str, doc: dict[str, Any], key: bytes | None, ts: int | None = None) -> Poison:
        return Poison(cls, role, key, dumps(doc), ts)

    return {
        "arbitrary_bytes": st.builds(lambda r, v: Poison("arbitrary_bytes", r, b"bytes", v), ROLE,
                                     st.binary(max_size=4096)),
        "non_json_text": st.builds(lambda r, p, t: Poison("non_json_text", r, b"text", (p + t).encode()), ROLE,
                                   st.sampled_from(["<", "'", "{'", '"open', '{"event_type": ', "nul\x00", "--"]),
                                   st.text()),
        "json_wrong_shape": st.builds(lambda r, d: Poison("json_wrong_shape", r, b"shape", dumps(d)), ROLE, JSON),
        "json_edge": json_edge(),
        "json_deep_nesting": st.builds(lambda r, n: Poison("json_deep_nesting", r, b"deep", b"[" * n + b"]" * n),
                                       ROLE, st.integers(500, 200_000)),
        "json_huge_number": st.builds(lambda r, d, n: Poison("json_huge_number", r, b"digits", dumps(d).replace(
            b'"schema_version": 1', b'"schema_version": ' + b"1" * n)), ROLE, base, st.integers(4_000, 100_000)),
        **{cls: mutated(cls) for cls in MUTATIONS},
        "wrong_topic": st.tuples(ROLE, base).filter(lambda t: ROLES[t[1]["event_type"]] != t[0]).map(
            lambda t: valid("wrong_topic", *t, natural_key(t[1]))),
        "tombstone": st.builds(lambda r, k: Poison("tombstone", r, k, None), ROLE, st.binary(max_size=64)),
        "odd_key": ROLE.flatmap(lambda r: st.builds(lambda d, k: valid("odd_key", r, d, k), on(r), ODD_KEY)),
        "odd_timestamp": ROLE.flatmap(lambda r: st.builds(lambda d, t: valid("odd_timestamp", r, d, natural_key(d), t),
                                                          on(r), st.sampled_from(ODD_TIMES))),
    }


def hostile_events(count: int, seed: int, only: list[str] | None = None) -> list[Poison]:
    classes = {k: v for k, v in strategies(base_events(seed)).items() if not only or k in only}
    hostile = st.sampled_from(sorted(classes)).flatmap(classes.__getitem__)
    found: list[Poison] = []
    for attempt in range(10):  # hypothesis may stop short of max_examples: top up with another seed
        if len(found) >= count:
            break

        @hypothesis_seed(seed + (attempt << 32))
        @settings(max_examples=count - len(found), database=None, phases=[Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(hostile)
        def collect(poison: Poison) -> None:
            if len((poison.key or b"") + (poison.value or b"")) <= LIMIT:
                found.append(poison)

        collect()
    return found[:count]
