"""The cue lexicons of ``data/cues.toml``, compiled once."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.events import Stance, Topic

DATA_DIR = Path(__file__).parent / "data"


def _alternation(words: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    # A space in an entry matches any run of whitespace, non-breaking spaces included.
    ordered = [w.replace(" ", r"\s+") for w in sorted(words, key=len, reverse=True)]
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{w})" for w in ordered) + r")(?![\w])", flags)


@dataclass(frozen=True)
class Lexicon:
    speech_verbs: re.Pattern[str]
    according: re.Pattern[str]
    statement_nouns: re.Pattern[str]
    journalist_labels: frozenset[str]
    first_person: re.Pattern[str]
    backrefs: dict[str, str]
    backref_pattern: re.Pattern[str]
    role_titles: re.Pattern[str]
    role_title_list: tuple[str, ...]
    side_words: dict[str, re.Pattern[str]]
    parties: dict[str, re.Pattern[str]]
    topics: dict[Topic, re.Pattern[str]]
    stances: dict[Stance, re.Pattern[str]]
    negation: re.Pattern[str]


@cache
def load_lexicon(path: Path = DATA_DIR / "cues.toml") -> Lexicon:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    backrefs = {k.lower(): v for k, v in data["backrefs"].items()}
    return Lexicon(
        speech_verbs=_alternation(data["speech"]["verbs"], 0),
        according=_alternation(data["speech"]["according"]),
        statement_nouns=_alternation(data["speech"]["statement_nouns"]),
        journalist_labels=frozenset(data["speakers"]["journalist_labels"]),
        first_person=_alternation(data["speakers"]["first_person"], 0),
        backrefs=backrefs,
        backref_pattern=_alternation([re.escape(b).replace("\\ ", " ") for b in backrefs]),
        role_titles=_alternation(data["roles"]["titles"], 0),
        role_title_list=tuple(data["roles"]["titles"]),
        side_words={side: _alternation(data["roles"][side], 0) for side in ("russia", "nato")},
        parties={side: _alternation(words, 0) for side, words in data["parties"].items()},
        topics={Topic(name): _alternation(words) for name, words in data["topics"].items()},
        stances={Stance(name): _alternation(data["stance"][name]) for name in ("support", "conditional", "oppose")},
        negation=_alternation(data["stance"]["negation"]),
    )
