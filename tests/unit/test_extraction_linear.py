"""Extraction is linear in an article's length: counted, not timed.

Tests never assert on wall time, so these count the work extraction does: the Python
lines it runs (``sys.settrace`` over streams/core/extraction and the dataclass methods it
calls) and the characters it hands to regular expressions (every compiled pattern it
uses is swapped for a counting proxy: a search counts the characters it passed over, a
match those it matched). An article eight times as long may cost about eight times the
work; a scan of the whole text, paragraph or sentence for each sentence, mention or cue
makes it about sixty-four times. Each shape below fails against the quadratic extractor
these lookups replaced (commit f70cc18).

Not counted, so not guarded here: time inside the regular-expression engine (a pattern
that backtracks over a long run counts as one call), and C-level work such as slicing,
``in`` on a list of strings or ``list.remove``.
"""

import importlib
import pkgutil
import re
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import streams.core.extraction as extraction
from schemas import Article
from streams.core.corpus import build_article
from streams.core.extraction import extractor
from streams.core.extraction.lexicon import load_lexicon
from streams.core.extraction.registry import load_registry
from streams.core.extraction.speakers import SpeakerFinder
from streams.core.extraction.stance import StanceReader
from streams.core.extraction.text import paragraphs

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GROWTH = 8  # the long article is this many times the short one
SLACK = 1.25  # linear work grows by GROWTH, within this factor


class Work:
    def __init__(self) -> None:
        self.lines = 0
        self.chars = 0


_counting: list[Work] = []  # the meter of the extraction running now


def _add(chars: int) -> None:
    if _counting:
        _counting[-1].chars += chars


class _Counted:
    """A compiled pattern that counts the characters the engine is given."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self._pattern = pattern

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pattern, name)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.search(string, pos, endpos)
        _add(1 + (m.end() if m else min(endpos, len(string))) - pos)
        return m

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.match(string, pos, endpos)
        _add(1 + (m.end() - pos if m else 0))
        return m

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        m = self._pattern.fullmatch(string, pos, endpos)
        _add(1 + (m.end() - pos if m else 0))
        return m

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        _add(1 + min(endpos, len(string)) - pos)
        return self._pattern.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        _add(1 + min(endpos, len(string)) - pos)
        return self._pattern.findall(string, pos, endpos)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        _add(1 + len(string))
        return self._pattern.sub(repl, string, count)


def _counting_re() -> types.SimpleNamespace:
    """The ``re`` module as the extraction modules see it: patterns compiled on the way count too."""
    shim = types.SimpleNamespace(**{k: getattr(re, k) for k in dir(re) if not k.startswith("__")})

    def compile(pattern: str | re.Pattern[str], flags: int = 0) -> _Counted:
        _add(len(pattern if isinstance(pattern, str) else pattern.pattern))
        return _Counted(re.compile(pattern, flags))

    def call(method: str) -> Callable[..., Any]:
        return lambda pattern, string, flags=0: getattr(compile(pattern, flags), method)(string)

    shim.compile = compile
    for method in ("search", "match", "fullmatch", "finditer", "findall"):
        setattr(shim, method, call(method))
    shim.sub = lambda pattern, repl, string, count=0, flags=0: compile(pattern, flags).sub(repl, string, count)
    return shim


def _wrap(obj: Any, seen: set[int]) -> Any:
    """``obj`` with the compiled patterns it holds counted (attributes, dicts, tuples), in place."""
    if id(obj) in seen:
        return obj
    seen.add(id(obj))
    if isinstance(obj, re.Pattern):
        return _Counted(obj)
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _wrap(value, seen)
    elif isinstance(obj, tuple) and not all(isinstance(v, str) for v in obj):
        return tuple(_wrap(v, seen) for v in obj)
    elif type(obj).__module__.startswith("streams.") and hasattr(obj, "__dict__"):
        for key, value in vars(obj).items():
            object.__setattr__(obj, key, _wrap(value, seen))
    return obj


def measure(article: Article, monkeypatch: pytest.MonkeyPatch) -> Work:
    """The work of extracting ``article``, with a fresh, counted copy of the machinery."""
    modules = [importlib.import_module(f"{extraction.__name__}.{m.name}")
               for m in pkgutil.iter_modules(extraction.__path__)]
    for module in modules:
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(module, name, _Counted(value))
        if hasattr(module, "re"):
            monkeypatch.setattr(module, "re", _counting_re())
    lexicon, registry = load_lexicon.__wrapped__(), load_registry.__wrapped__()
    machinery = SpeakerFinder(registry, lexicon), StanceReader(lexicon)
    seen: set[int] = set()
    for obj in (lexicon, registry, *machinery):
        _wrap(obj, seen)
    monkeypatch.setattr(extractor, "_machinery", lambda: machinery)

    work = Work()
    files = {m.__file__ for m in modules} | {"<string>"}  # "<string>": dataclasses' __eq__, __hash__

    def count_lines(frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            work.lines += 1
        return count_lines

    def trace(frame: types.FrameType, event: str, arg: Any) -> Any:
        return count_lines if frame.f_code.co_filename in files else None

    _counting.append(work)
    sys.settrace(trace)
    try:
        extractor.extract(article)
    finally:
        sys.settrace(None)
        _counting.pop()
    return work


# --- article shapes, each made of a unit repeated: the actors stay the same as it grows ----------
def _seed_paragraphs() -> list[str]:
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [text[a:b] for a, b in paragraphs(text)]  # page furniture left out


def _sentences() -> list[str]:
    return [s for p in _seed_paragraphs() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", p) if len(s) > 20]


def _speakers(copies: int) -> str:
    """A new titled speaker in every sentence, each with a claim."""
    out = []
    for n in range(copies * 40):
        name = "".join("kalomirentovshavidorpenik"[int(d) * 2:int(d) * 2 + 2] for d in str(n + 10)).title()
        out.append(f"Polish Deputy Foreign Minister Jan {name}ski said that Warsaw welcomes talks with Moscow. "
                   f"{name}ski added that de-escalation was needed.")
    return "\n".join(out)


SHAPES: dict[str, Callable[[int], str]] = {
    "paragraphs": lambda k: "\n\n".join(_seed_paragraphs() * k),
    "one paragraph": lambda k: " ".join(_seed_paragraphs() * k),
    "one sentence": lambda k: re.sub(r"[.!?]", ",", " ".join(_seed_paragraphs() * k)),
    "all quotes": lambda k: " ".join(f"“{s}”" for s in _sentences() * k),
    "transcript": lambda k: "\n\n".join(f"{'SERGEY LAVROV:' if i % 2 else 'Q'} {s}"
                                        for i, s in enumerate(_sentences() * k)),
    "many speakers": _speakers,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_work_grows_linearly_with_the_article(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    short = measure(build_article(SHAPES[shape](1), "short.txt"), monkeypatch)
    long = measure(build_article(SHAPES[shape](GROWTH), "long.txt"), monkeypatch)
    assert long.lines <= GROWTH * SLACK * short.lines, f"Python lines: {short.lines} -> {long.lines}"
    assert long.chars <= GROWTH * SLACK * short.chars, f"characters matched: {short.chars} -> {long.chars}"


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_copies_of_an_article_give_its_claims_with_each_copys_evidence(seed: str) -> None:
    """The offset lookups (bisection over sentences, quotes, clauses) keep each copy's
    evidence in its copy: k copies give the same claims, with the spans of every copy."""
    text, copies, gap = (SEEDS / seed).read_text(encoding="utf-8"), 4, "\n\n"
    one = extractor.extract(build_article(text, seed))
    many = extractor.extract(build_article(gap.join([text] * copies), seed))
    step = len(text) + len(gap)
    expected = {(c.actor_id, c.topic, c.stance): sorted((s.start + i * step, s.end + i * step, s.stance)
                                                        for i in range(copies) for s in c.evidence_spans)
                for c in one}
    assert {(c.actor_id, c.topic, c.stance): sorted((s.start, s.end, s.stance) for s in c.evidence_spans)
            for c in many} == expected
    assert one, "the seed should carry claims"
