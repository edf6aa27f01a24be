"""Scoring extracted claims against hand-made gold lines (docs/extraction.md, "Measuring extraction").

Claims are compared per (article, actor, topic) pair on the tracked topics. A
predicted pair's stance is the most frequent stance of its claims; it counts for
the pair-level figures when a gold line names it, and for the strict ones when
that line also accepts its stance. Pure functions: ``parse_gold`` takes the gold
file's text, and ``read_gold`` is the one reader that touches the file system.
"""

import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from schemas.events import TRACKED_TOPICS, Claim, Side, Stance, Topic

SCORED_TOPICS: tuple[str, ...] = tuple(t.value for t in TRACKED_TOPICS)


class GoldError(ValueError):
    """A gold file that cannot be scored against; the message says where and why."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def normalise_actor(text: str) -> str:
    """Actor text as gold ``match`` entries are written: lower case, '-' and '_' as spaces."""
    return text.lower().replace("-", " ").replace("_", " ")


def article_name(source: str) -> str:
    """The name gold lines give an article: the base name of where it was read from."""
    return os.path.basename(source)


class GoldLine(_Frozen):
    """One (article, actor, topic) pair a reader found, with the stances that count as right."""

    article: str
    published: str | None = None
    actor: str
    match: tuple[str, ...]
    side: Side | None = None
    topic: Topic
    stance: Stance
    accept: tuple[Stance, ...] | None = None
    optional: bool = False
    evidence: str | None = None

    @field_validator("match")
    @classmethod
    def _matchable(cls, match: tuple[str, ...]) -> tuple[str, ...]:
        if not match:
            raise ValueError("needs at least one substring of the actor's id or name")
        for entry in match:
            # An entry the normalised actor text cannot contain would make the pair a sure miss.
            if not entry.strip() or entry != normalise_actor(entry):
                raise ValueError(f"{entry!r} is not a lower-case substring without '-' or '_'")
        return match

    @property
    def accepted(self) -> tuple[Stance, ...]:
        return self.accept if self.accept is not None else (self.stance,)

    def names(self, actor_text: str) -> bool:
        return any(entry in actor_text for entry in self.match)


class PredictedClaim(_Frozen):
    """What the scorer reads of an extracted claim."""

    article: str
    actor: str
    actor_name: str
    topic: str
    stance: str

    @classmethod
    def of(cls, source: str, claim: Claim) -> Self:
        return cls(article=article_name(source), actor=claim.actor_id, actor_name=claim.actor_name,
                   topic=claim.topic.value, stance=claim.stance.value)

    @property
    def actor_text(self) -> str:
        return normalise_actor(f"{self.actor} {self.actor_name}")


class Figures(_Frozen):
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, found: int, predicted: int, required: int) -> Self:
        p = found / predicted if predicted else 0.0
        r = found / required if required else 0.0
        return cls(precision=p, recall=r, f1=2 * p * r / (p + r) if p + r else 0.0)


class TopicScore(_Frozen):
    """Counts and figures over one topic, or over all of them."""

    gold_pairs: int
    optional_pairs: int
    predicted_pairs: int
    found_pairs: int
    right_stances: int
    pairs: Figures
    strict: Figures


class _Mistake(_Frozen):
    """One pair scored wrong: which article, actor and topic."""

    article: str
    actor: str
    topic: str


class Miss(_Mistake):
    stance: Stance

    def line(self) -> str:
        return f"missed        {self.article} {self.actor} {self.topic} ({self.stance})"


class WrongStance(_Mistake):
    stance: Stance
    accept: tuple[Stance, ...]
    got: str

    def line(self) -> str:
        return f"wrong stance  {self.article} {self.actor} {self.topic}: gold {self.stance}, got {self.got}"


class Extra(_Mistake):
    stance: str

    def line(self) -> str:
        return f"extra         {self.article} '{self.actor}' {self.topic} ({self.stance})"


class Score(_Frozen):
    overall: TopicScore
    topics: dict[str, TopicScore]
    wrong_stances: tuple[WrongStance, ...]
    misses: tuple[Miss, ...]
    extras: tuple[Extra, ...]

    def mistake_lines(self) -> list[str]:
        return ([w.line() for w in self.wrong_stances] + [m.line() for m in self.misses]
                + [e.line() for e in self.extras])


def _error_text(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where + ': ' if where else ''}{first['msg']}{more}"


def parse_gold(text: str, name: str = "gold") -> list[GoldLine]:
    """The gold lines of a JSON Lines text; blank lines are skipped, anything else malformed is an error."""
    lines: list[GoldLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            lines.append(GoldLine.model_validate(json.loads(raw)))
        except json.JSONDecodeError as exc:
            raise GoldError(f"{name}:{number}: not JSON: {exc}") from None
        except ValidationError as exc:
            raise GoldError(f"{name}:{number}: {_error_text(exc)}") from None
    if not lines:
        raise GoldError(f"{name}: no gold lines")
    return lines


def read_gold(path: Path) -> list[GoldLine]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise GoldError(f"cannot read gold file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise GoldError(f"{path}: not UTF-8 (byte {exc.start})") from None
    return parse_gold(text, str(path))


def majority(stances: Sequence[str]) -> str:
    """The most frequent stance; on a tie, the one seen first."""
    counts = Counter(stances)
    best = max(counts.values())
    return next(s for s in stances if counts[s] == best)


def _gold_for(gold: Sequence[GoldLine], article: str, actor_text: str, topic: str) -> int | None:
    for index, line in enumerate(gold):
        if line.article == article and line.topic == topic and line.names(actor_text):
            return index
    return None


def _pairs(predicted: Iterable[PredictedClaim], articles: set[str]) -> dict[tuple[str, str, str], list[str]]:
    """Each scored (article, actor text, topic) pair's stances, pairs in the order first seen."""
    pairs: dict[tuple[str, str, str], list[str]] = {}
    for claim in predicted:
        if claim.article in articles and claim.topic in SCORED_TOPICS:
            pairs.setdefault((claim.article, claim.actor_text, claim.topic), []).append(claim.stance)
    return pairs


def _topic_score(gold: Sequence[GoldLine], found: Sequence[tuple[GoldLine, str]],
                 extras: Sequence[Extra]) -> TopicScore:
    required = sum(not g.optional for g in gold)
    right = sum(got in g.accepted for g, got in found)
    predicted = len(found) + len(extras)
    return TopicScore(gold_pairs=required, optional_pairs=len(gold) - required, predicted_pairs=predicted,
                      found_pairs=len(found), right_stances=right, pairs=Figures.of(len(found), predicted, required),
                      strict=Figures.of(right, predicted, required))


def score(gold: Sequence[GoldLine], predicted: Iterable[PredictedClaim], articles: Iterable[str] = ()) -> Score:
    """Score predicted claims against gold lines.

    The scored articles are those the gold names and those given in ``articles`` (every article
    the claims were extracted from), so a claim in an article without gold lines is an extra.
    """
    scored = [g for g in gold if g.topic in SCORED_TOPICS]
    matched: dict[int, list[str]] = {}
    extras: list[Extra] = []
    for (article, actor, topic), stances in _pairs(predicted, set(articles) | {g.article for g in scored}).items():
        index = _gold_for(scored, article, actor, topic)
        if index is None:
            extras.append(Extra(article=article, actor=actor.strip(), topic=topic, stance=majority(stances)))
        else:
            # Pairs that name the same gold actor differently are one pair.
            matched.setdefault(index, []).extend(stances)
    found = [(g, majority(matched[i])) for i, g in enumerate(scored) if i in matched and not g.optional]
    return Score(
        overall=_topic_score(scored, found, extras),
        topics={t: _topic_score([g for g in scored if g.topic == t], [f for f in found if f[0].topic == t],
                                [e for e in extras if e.topic == t]) for t in SCORED_TOPICS},
        wrong_stances=tuple(WrongStance(article=g.article, actor=g.actor, topic=g.topic.value, stance=g.stance,
                                        accept=g.accepted, got=got) for g, got in found if got not in g.accepted),
        misses=tuple(Miss(article=g.article, actor=g.actor, topic=g.topic.value, stance=g.stance)
                     for i, g in enumerate(scored) if i not in matched and not g.optional),
        extras=tuple(extras),
    )
