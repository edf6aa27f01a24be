"""Reading a corpus: .txt articles and .jsonl corpora, their titles, dates and metadata.

Pure functions over text plus one reader that touches the file system; no broker,
no database.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Literal

from schemas import encode_event
from schemas.events import Article
from schemas.ids import article_id_for
from streams.core.extraction.text import iter_paragraphs
from streams.core.handlers import article_event, size_refusal
from streams.core.metadata import MANIFEST_NAME, CorpusError, Manifest, Metadata, folder_manifest, metadata_from
from streams.core.plausible import DateWindow

__all__ = ["MANIFEST_NAME", "CorpusError", "Failure", "Metadata", "build_article", "read_corpus"]
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1)
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_FULL_DATES = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.I),  # January 13th, 2022
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.I),  # 08th June, 2021
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\b"),  # 2021-06-08
]
_STAMP_LINE = re.compile(r"^\s*(?:updated|published|posted|last\s+updated|date)\b", re.I | re.M)
# "MOSCOW, June 6. /TASS/." or "BRUSSELS, Jan 12 (Reuters) -": a dateline without a year.
_DATELINE = re.compile(rf"^\s*[A-Z][A-Z .'-]{{2,40}}(?:\([^)]*\))?,\s+(?i:{_MONTH})\s+{_DAY}\b", re.M)
_YEAR_MENTION = re.compile(r"\b((?:19|20)\d{2})\b")
_LEAD_CHARS = 800
_WORD = re.compile(r"[^\W\d_]{2,}")
# Any instant of the same encoded length as a real one: the size check must not read the clock.
_SIZING_TIME = datetime(2000, 1, 1, 0, 0, 0, 1, UTC)


def _to_date(match: re.Match[str]) -> date | None:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower().rstrip(".")]
    try:
        return date(int(match.group("year")), month, int(match.group("day")))
    except ValueError:
        return None


DateSource = Literal["text", "inferred", "manifest", "unknown"]


def find_published_date(text: str) -> tuple[date | None, DateSource]:
    """The publication date the text states and how it was found: ``text`` for a stamp
    line or a full date in the lead; ``inferred`` for a dateline without a year, which
    takes the latest year the text mentions (an article rarely names a later one)."""
    for stamp in _STAMP_LINE.finditer(text):
        line_end = text.find("\n", stamp.start())
        line = text[stamp.start(): line_end if line_end != -1 else len(text)]
        for pattern in _FULL_DATES:
            m = pattern.search(line)
            if m and (found := _to_date(m)):
                return found, "text"
    lead = text[:_LEAD_CHARS]
    hits = [(m.start(), m) for pattern in _FULL_DATES for m in pattern.finditer(lead)]
    for _, m in sorted(hits, key=lambda h: h[0]):
        if found := _to_date(m):
            return found, "text"
    dateline = _DATELINE.search(lead)
    if dateline:
        years = [int(y) for y in _YEAR_MENTION.findall(text)]
        if years:
            month = _MONTHS[dateline.group("month").lower().rstrip(".")]
            try:
                return date(max(years), month, int(dateline.group("day"))), "inferred"
            except ValueError:
                return None, "unknown"
    return None, "unknown"


def _looks_like_breadcrumb(line: str) -> bool:
    return len(re.findall(r"[a-z][A-Z]", line)) >= 2 and not re.search(r"[.!?]$", line)


def split_title(text: str) -> tuple[str, int]:
    """(title, offset where the body starts): the first kept line that reads as a headline."""
    for start, end in iter_paragraphs(text):
        line = text[start:end]
        if _looks_like_breadcrumb(line) or len(line.split()) < 3:
            continue
        return line.strip(), end
    return "", 0


def build_article(text: str, source: str, meta: Metadata | None = None) -> Article:
    """An Article from its text; metadata given by a manifest or corpus wins over the text."""
    meta = meta or Metadata()
    if not text.strip():
        raise CorpusError("empty article")
    letters = sum(map(str.isalpha, text))
    if letters < 0.4 * len(text.strip()) or len(list(islice(_WORD.finditer(text), 3))) < 3:
        words = len(_WORD.findall(text))
        raise CorpusError(f"not an article ({words} words, {letters} letters in {len(text)} characters)")
    title, body_start = split_title(text)
    published: date | None
    date_source: DateSource
    if meta.published_at is not None:
        published, date_source = meta.published_at, "manifest"
    else:
        published, date_source = find_published_date(text)
    return Article(
        article_id=article_id_for(text),
        source=source,
        title=meta.title or title,
        text=text,
        body_start=body_start,
        outlet=meta.outlet,
        url=meta.url,
        published_at=published,
        date_source=date_source,
    )


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read: {exc.strerror}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"not UTF-8 (byte {exc.start})") from exc


def corpus_files(paths: list[Path]) -> list[Path]:
    """Article files named directly or found in the given directories, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".txt", ".jsonl")))
        else:
            files.append(path)
    return files


@dataclass(frozen=True)
class Failure:
    source: str
    reason: str


def read_corpus(paths: list[Path], window: DateWindow | None = None,
                max_event_bytes: int | None = None) -> Iterator[Article | Failure]:
    """Every article in the given files and directories; what cannot be read as an
    article, carries a date outside ``window``, or makes an event over ``max_event_bytes``
    (the limit every stage shares) as a Failure saying why."""
    admit = _Admission(window, max_event_bytes)
    manifests: dict[Path, Manifest] = {}
    for path in corpus_files(paths):
        source = str(path)
        if path.parent not in manifests:
            where, manifests[path.parent] = folder_manifest(path.parent)
            if manifests[path.parent].broken:
                yield Failure(str(where), f"{manifests[path.parent].broken}; no file of {path.parent} is read")
        manifest = manifests[path.parent]
        if manifest.broken:
            continue
        try:
            if not path.exists():
                raise CorpusError("no such file")
            if path.suffix == ".jsonl":
                yield from _read_jsonl(path, admit)
                continue
            if path.suffix != ".txt":
                raise CorpusError("not an article file (.txt or .jsonl)")
            meta = manifest.entries.get(path.name)
            if isinstance(meta, str):
                raise CorpusError(meta)
            yield admit(build_article(_read_text(path), source, meta))
        except CorpusError as exc:
            yield Failure(source, str(exc))


@dataclass(frozen=True)
class _Admission:
    window: DateWindow | None
    max_event_bytes: int | None

    def __call__(self, article: Article) -> Article:
        today = datetime.now(UTC).date()
        if self.window is not None and (reason := self.window.refusal(article.published_at, today)):
            raise CorpusError(f"{reason} ({article.date_source})")
        if self.max_event_bytes is not None:
            size = len(encode_event(article_event(article, _SIZING_TIME)))
            if reason := size_refusal(size, self.max_event_bytes):
                raise CorpusError(reason)
        return article


def _read_jsonl(path: Path, admit: _Admission) -> Iterator[Article | Failure]:
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}:{number}"
        try:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"not JSON: {exc.msg} at column {exc.colno}") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise CorpusError("no 'text' field")
            yield admit(build_article(row["text"], source, metadata_from(row)))
        except CorpusError as exc:
            yield Failure(source, str(exc))
