"""Article metadata given beside the text: a folder's manifest (manifest.toml, or a
tab-separated manifest.tsv with a header row), or a .jsonl corpus's fields. Each entry is
checked on its own, so one bad entry refuses one file, and a manifest that cannot be
read refuses its folder; the message is one line either way."""

import csv
import io
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

MANIFEST_NAME = "manifest.toml"
TSV_NAME = "manifest.tsv"  # any case: MANIFEST.tsv too

# A tab-separated manifest's columns besides `file`, by the names datasets give them; others are ignored.
_TSV_FIELDS = {"title": "title", "outlet": "outlet", "url": "url", "published_at": "published_at",
               "published_date": "published_at", "date": "published_at"}


class CorpusError(ValueError):
    """A file that cannot be read as an article; the message says why."""


class Metadata(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published_at: date | None = None

    @field_validator("published_at", mode="before")
    @classmethod
    def _a_date(cls, value: Any) -> Any:
        # TOML has dates of its own; JSON has strings, of which the date part counts.
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, str):
            if not value:
                return None
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                raise ValueError(f"not a date like 2021-06-08: {value[:40]!r}") from None
        return value

    @field_validator("title", "outlet", "url", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


def one_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "entry"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def metadata_from(row: dict[str, Any]) -> Metadata:
    try:
        return Metadata.model_validate(row)
    except ValidationError as exc:
        raise CorpusError(one_line(exc)) from None


@dataclass(frozen=True)
class Manifest:
    """A folder's metadata by file name: Metadata, or why the entry is refused."""

    entries: dict[str, Metadata | str] = field(default_factory=dict)
    broken: str | None = None  # why the whole manifest cannot be read


def manifest_path(directory: Path) -> Path | None:
    """The folder's manifest file: manifest.toml, else manifest.tsv in any case."""
    if (directory / MANIFEST_NAME).exists():
        return directory / MANIFEST_NAME
    try:
        return next((p for p in sorted(directory.iterdir()) if p.name.lower() == TSV_NAME), None)
    except OSError:
        return None


def folder_manifest(directory: Path) -> tuple[Path | None, Manifest]:
    """The manifest that describes the files of ``directory``, and where it is: its own,
    else its parent's when that one can be read and names files of it (a dataset laid out
    as ``MANIFEST.tsv`` beside an ``articles/`` folder)."""
    own = manifest_path(directory)
    if own is not None:
        return own, load_manifest(directory)
    parent = manifest_path(directory.parent)
    if parent is not None:
        manifest = load_manifest(directory.parent)
        if not manifest.broken and any((directory / name).is_file() for name in manifest.entries):
            return parent, manifest
    return None, Manifest()


def load_manifest(directory: Path) -> Manifest:
    path = manifest_path(directory)
    if path is None:
        return Manifest()
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        return Manifest(broken=f"cannot read: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return Manifest(broken=f"not UTF-8 (byte {exc.start})")
    if path.suffix == ".tsv":
        return _tsv_manifest(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Manifest(broken=f"not TOML: {exc}")
    entries: dict[str, Metadata | str] = {}
    for name, row in data.items():
        if not isinstance(row, dict):
            entries[name] = f"manifest entry is a {type(row).__name__}, not a table of fields"
            continue
        entries[name] = _entry(row)
    return Manifest(entries)


def _entry(row: dict[str, Any]) -> Metadata | str:
    try:
        return metadata_from(row)
    except CorpusError as exc:
        return f"manifest entry: {exc}"


def _tsv_manifest(text: str) -> Manifest:
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    header = [h.strip().lower() for h in next(rows, [])]
    if "file" not in header:
        return Manifest(broken="no 'file' column in its header")
    file_column = header.index("file")
    fields = {n: _TSV_FIELDS[h] for n, h in enumerate(header) if h in _TSV_FIELDS}
    entries: dict[str, Metadata | str] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= file_column or not row[file_column].strip():
            return Manifest(broken=f"line {number} names no file")
        values = {field: row[n].strip() for n, field in fields.items() if n < len(row)}
        entries[Path(row[file_column].strip()).name] = _entry(values)
    return Manifest(entries)
