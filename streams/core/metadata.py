"""Article metadata given beside the text: a folder's manifest.toml, or a .jsonl corpus's
fields. Each entry is checked on its own, so one bad entry refuses one file, and a
manifest that cannot be read refuses its folder; the message is one line either way."""

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

MANIFEST_NAME = "manifest.toml"


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


def load_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST_NAME
    if not path.exists():
        return Manifest()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        return Manifest(broken=f"cannot read: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return Manifest(broken=f"not UTF-8 (byte {exc.start})")
    except tomllib.TOMLDecodeError as exc:
        return Manifest(broken=f"not TOML: {exc}")
    entries: dict[str, Metadata | str] = {}
    for name, row in data.items():
        if not isinstance(row, dict):
            entries[name] = f"manifest entry is a {type(row).__name__}, not a table of fields"
            continue
        try:
            entries[name] = metadata_from(row)
        except CorpusError as exc:
            entries[name] = f"manifest entry: {exc}"
    return Manifest(entries)
