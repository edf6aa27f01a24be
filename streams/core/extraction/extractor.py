"""extract(article) -> claims: the pure function the extract agent calls."""

import re
from dataclasses import dataclass
from functools import cache

from schemas.events import Article, Claim, EvidenceSpan, Side, Stance, Topic
from schemas.ids import stable_hash
from streams.core.extraction.lexicon import load_lexicon
from streams.core.extraction.registry import load_registry
from streams.core.extraction.speakers import Speaker, SpeakerFinder
from streams.core.extraction.stance import StanceReader
from streams.core.extraction.text import sentences

EXTRACTOR_VERSION = "rules-1"


@dataclass(frozen=True)
class _Found:
    speaker: Speaker
    topic: Topic
    stance: Stance
    start: int
    end: int


_QUOTED = re.compile(r"[\"“«]([^\"“”«»]{20,})[\"”»]")


def statement_fingerprint(actor_id: str, topic: Topic, evidence: str) -> str:
    """The same statement in several articles gets one id: its longest quotation (the
    words outlets copy verbatim), else the sentence, reduced to lower-case words."""
    quotes = [q for q in _QUOTED.findall(evidence) if len(q.split()) >= 5]
    core = max(quotes, key=len) if quotes else evidence
    words = re.findall(r"[a-z0-9]+", core.lower())
    return "s-" + stable_hash([actor_id, topic.value, " ".join(words)], 20)


def combine(stances: list[Stance]) -> Stance:
    """An article's stance for one actor and topic: the most qualified one stated.

    Conditions, or support and opposition together, make it conditional, unless they
    are outweighed: a single hedge among many plain statements of support is more
    often a cue read out of context than the actor's terms.
    """
    count = {s: stances.count(s) for s in Stance}
    support, conditional, oppose = count[Stance.SUPPORT], count[Stance.CONDITIONAL], count[Stance.OPPOSE]
    if conditional and conditional * _OUTWEIGH >= support + oppose:
        return Stance.CONDITIONAL
    if support and oppose and min(support, oppose) * _OUTWEIGH > max(support, oppose):
        return Stance.CONDITIONAL
    if support or oppose:
        return Stance.SUPPORT if support >= oppose else Stance.OPPOSE
    return Stance.CONDITIONAL


# How many plain statements one hedge or one contrary statement stands against.
_OUTWEIGH = 2


@cache
def _machinery() -> tuple[SpeakerFinder, StanceReader]:
    lexicon = load_lexicon()
    return SpeakerFinder(load_registry(), lexicon), StanceReader(lexicon)


def extract(article: Article) -> list[Claim]:
    """Every claim the article makes on the tracked topics, one per (actor, topic)."""
    finder, reader = _machinery()
    text = article.text
    found: list[_Found] = []
    for statement in finder.statements(text, sentences(text), article.published_at, finder.author(article.title)):
        a, b = statement.content
        for finding in reader.read(text, a, b, statement.speaker.side):
            found.append(_Found(statement.speaker, finding.topic, finding.stance, statement.start, statement.end))

    grouped: dict[tuple[str, Topic], list[_Found]] = {}
    for f in found:
        grouped.setdefault((f.speaker.id, f.topic), []).append(f)

    claims = []
    for (actor_id, topic), items in grouped.items():
        spans: list[EvidenceSpan] = []
        taken: set[tuple[int, int]] = set()  # one actor's many statements: a set keeps this linear
        for f in items:
            if (f.start, f.end) not in taken:
                taken.add((f.start, f.end))
                spans.append(EvidenceSpan(start=f.start, end=f.end, text=text[f.start:f.end], stance=f.stance))
        stance = combine([s.stance for s in spans])
        primary = next((s for s in spans if s.stance == stance), spans[0])
        speaker = items[0].speaker
        agreeing = sum(1 for s in spans if s.stance == stance)
        claims.append(
            Claim(
                claim_id="c-" + stable_hash([article.article_id, actor_id, topic.value, EXTRACTOR_VERSION], 20),
                article_id=article.article_id,
                source=article.source,
                outlet=article.outlet,
                actor_id=actor_id,
                actor_name=speaker.name,
                side=speaker.side if isinstance(speaker.side, Side) else Side.OTHER,
                topic=topic,
                stance=stance,
                evidence=primary.text,
                span=(primary.start, primary.end),
                evidence_spans=tuple(spans),
                statement_id=statement_fingerprint(actor_id, topic, primary.text),
                published_at=article.published_at,
                date_known=article.published_at is not None,
                confidence=round(min(0.95, 0.5 + 0.15 * agreeing), 2),
                extractor_version=EXTRACTOR_VERSION,
            )
        )
    return sorted(claims, key=lambda c: (c.span[0], c.actor_id, c.topic.value))
