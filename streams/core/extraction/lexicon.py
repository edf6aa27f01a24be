"""The cue lexicons of ``data/cues.toml``, compiled once."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from schemas.events import Stance, Topic
from streams.core.extraction.patterns import word_alternation

DATA_DIR = Path(__file__).parent / "data"


def _alternation(words: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    # A space in an entry matches any run of whitespace, non-breaking spaces included.
    return word_alternation([w.replace(" ", r"\s+") for w in words], bool(flags & re.IGNORECASE))


@dataclass(frozen=True)
class Lexicon:
    speech_verbs: re.Pattern[str]
    stance_verbs: re.Pattern[str]
    according: re.Pattern[str]
    statement_nouns: re.Pattern[str]
    journalist_labels: frozenset[str]
    page_labels: frozenset[str]
    first_person: re.Pattern[str]
    joint_subjects: re.Pattern[str]
    passive_reports: re.Pattern[str]
    label_connectors: tuple[str, ...]
    bare_titles: re.Pattern[str]
    pronouns: dict[str, str]
    backref_nouns: dict[str, str]
    backref_pattern: re.Pattern[str]
    role_title_list: tuple[str, ...]
    side_words: dict[str, re.Pattern[str]]
    parties: dict[str, re.Pattern[str]]
    topics: dict[Topic, re.Pattern[str]]
    topic_stances: dict[tuple[Topic, Stance], re.Pattern[str]]
    stances: dict[Stance, re.Pattern[str]]
    negation: re.Pattern[str]


def backref_filter(lexicon: Lexicon, phrase: str) -> str:
    """Which actors a back-reference may mean: "person", "institution", "russia" or "nato"."""
    words = re.sub(r"\s+", " ", phrase.strip()).lower()
    if words in lexicon.pronouns:
        return lexicon.pronouns[words]
    kind = next((k for n, k in sorted(lexicon.backref_nouns.items(), key=lambda i: -len(i[0]))
                 if words.endswith(n)), "person")
    if kind == "person":
        for side, pattern in lexicon.side_words.items():
            if pattern.search(phrase):
                return side
    return kind


@cache
def load_lexicon(path: Path = DATA_DIR / "cues.toml") -> Lexicon:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pronouns = {k.lower(): v for k, v in data["backrefs"]["pronouns"].items()}
    nouns = {k.lower(): v for k, v in data["backrefs"]["nouns"].items()}
    noun_pattern = "|".join(re.escape(n).replace("\\ ", r"\s+") for n in sorted(nouns, key=len, reverse=True))
    return Lexicon(
        speech_verbs=_alternation(data["speech"]["verbs"], 0),
        stance_verbs=_alternation(data["speech"]["stance_verbs"], 0),
        according=_alternation(data["speech"]["according"]),
        statement_nouns=_alternation(data["speech"]["statement_nouns"]),
        journalist_labels=frozenset(data["speakers"]["journalist_labels"]),
        page_labels=frozenset(data["speakers"]["page_labels"]),
        first_person=_alternation(data["speakers"]["first_person"], 0),
        joint_subjects=_alternation(data["speakers"]["joint_subjects"]),
        passive_reports=_alternation(data["speakers"]["passive_reports"]),
        label_connectors=tuple(data["speakers"]["label_connectors"]),
        # "the President" alone: not "the President of X", "the President's", nor "President Putin".
        bare_titles=re.compile(
            r"[tT](?<![\w-].)(?i:he\s+(?P<title>"
            + "|".join(t.replace(" ", r"\s+") for t in data["speakers"]["bare_titles"])
            + r")(?![\w'’-])(?!\s+(?:of\b|(?-i:[A-Z]))))"
        ),
        pronouns=pronouns,
        backref_nouns=nouns,
        backref_pattern=word_alternation(
            [re.escape(p).replace("\\ ", r"\s+") for p in pronouns]
            + [rf"the\s+(?:[\w.'’-]+\s+){{0,3}}?(?:{noun_pattern})"], ignore_case=True, end=r"(?![\w-])"),
        role_title_list=tuple(data["roles"]["titles"]),
        side_words={side: _alternation(data["roles"][side], 0) for side in ("russia", "nato")},
        parties={side: _alternation(words, 0) for side, words in data["parties"].items()},
        topics={Topic(name): _alternation(words) for name, words in data["topics"].items()},
        topic_stances={
            (Topic(topic), Stance(stance)): _alternation(words)
            for topic, by_stance in data["topic_stances"].items()
            for stance, words in by_stance.items()
        },
        stances={Stance(name): _alternation(data["stance"][name]) for name in ("support", "conditional", "oppose")},
        negation=_alternation(data["stance"]["negation"]),
    )
