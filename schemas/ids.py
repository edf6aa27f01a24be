"""Deterministic identifiers: the same content always hashes to the same id."""

import hashlib
import json
import re
import unicodedata
from typing import Any


def stable_hash(value: Any, length: int = 24) -> str:
    """Hex digest of the canonical JSON form of ``value``."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:length]


def normalise_text(text: str) -> str:
    """Text reduced to what identifies an article: NFKC, lower case, single spaces."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def article_id_for(text: str) -> str:
    """An article's id: a hash of its normalised text, so a re-read gives the same id."""
    return "a-" + stable_hash(normalise_text(text), 16)
