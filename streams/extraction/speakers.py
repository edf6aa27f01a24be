"""Who speaks in each sentence: mentions of actors, attribution, back-references.

The result for an article is a list of ``Statement``: a speaker and the stretch of
text that is theirs. Sentences with no speaker (a journalist's framing, a bare
event report, a question) yield nothing.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from schemas.events import Side
from streams.extraction.lexicon import Lexicon, backref_filter
from streams.extraction.registry import Actor, Registry
from streams.extraction.text import Sentence, quote_regions

_WORD = r"[A-Z][a-zA-Z-]+(?:['’][A-Z][a-zA-Z-]+)?"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{1,2}}"
_PREFIX = re.compile(r"(?:[A-Z][\w.'’-]*\s+){1,4}$")
_LABEL = re.compile(r"^\s*([A-Z][A-Z.'’ -]{0,60}?|Q)\s*:\s+", re.M)
_ADVERBIAL = (
    r"(?:\s*,?\s*(?:also|later|earlier|then|has|had|have|meanwhile|once\s+again|again|further|"
    r"repeatedly|categorically|previously|recently|reportedly|on\s+\w+|in\s+an\s+interview|"
    r"however|though|although|,)\s*,?)*"
)
_FORWARD_START = re.compile(
    r"^[^.\"“”:]{0,80}?(?:\bthat\b|:|[\"“]|,\s*(?=[A-Za-z]))|^\s*(?:that\b|:|,|[\"“])"
)


# Words that open a trailing adjunct ("said on Tuesday", "told reporters in Brussels"),
# not the reported clause.
# What may stand between a speech verb and the reported clause: time, place, audience
# and occasion ("said on Wednesday", "told reporters after the meeting", "said in an
# interview with TASS"). Stripped before deciding whether a clause follows.
_ADJUNCT = re.compile(
    r"""^\s*,?\s*(?:
        (?:on|last|this|next|earlier|later)\s+(?:\w+day|week|month|year|\w+\s+\d{1,2})(?:\s+\w+ing)?
      | in\s+(?:an?|the|his|her|their)\s+[\w-]+(?:\s+[\w-]+)?
            (?:\s+(?:with|to|on|of|in)\s+[\w.'’-]+(?:\s+[\w.'’-]+)?)?
      | at\s+(?:an?|the|his|her|their)\s+(?:[\w-]+\s+){0,4}?
            (?:conference|briefing|meeting|forum|summit|session|event|hearing)
      | (?:to|before|after|during|following|ahead\s+of)\s+(?:(?:an?|the|his|her|their|\d+)\s+)?
            (?:[\w'’-]+\s+){0,5}?[\w'’-]+(?=\s*(?:[,.;]|$|that\b))
      | (?:an?|the)\s+(?:press|news)\s+(?:conference|briefing)
      | reporters|journalists|lawmakers|parliament|the\s+press|the\s+media
      | [A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}(?=\s*(?:,|\.|$|\bon\b|\bin\b|\bat\b|\bthat\b|\bafter\b))
    )\s*,?""",
    re.X,
)


_PREPOSITION_START = re.compile(r"^\s*(?:to|in|on|at|as|with|by|from|for|of|and|but|after|before)\b")


def strip_adjuncts(clause: str) -> str:
    while (m := _ADJUNCT.match(clause)) and m.end() > 0:
        clause = clause[m.end():]
    return clause




@dataclass(frozen=True)
class Speaker:
    id: str
    name: str
    side: Side
    kind: str  # "person" | "institution"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    speaker: Speaker | None  # None: a back-reference that found no antecedent
    kind: str  # "name" | "role" | "backref"


@dataclass(frozen=True)
class Statement:
    speaker: Speaker
    start: int  # the sentence that carries the statement
    end: int
    content: tuple[int, int]  # the speaker's own words within it
    sentence_index: int


@dataclass(frozen=True)
class _Scan:
    appositives: list[re.Match[str]]
    backrefs: list[re.Match[str]]
    roles: list[re.Match[str]]
    aliases: list[re.Match[str]]


@dataclass
class _Context:
    """What earlier sentences established: who was mentioned, who spoke."""

    recent: list[Speaker] = field(default_factory=list)
    discovered: dict[str, Speaker] = field(default_factory=dict)
    last_speaker: Speaker | None = None
    last_speaker_paragraph: int = -10
    label_speaker: Speaker | None = None
    label_active: bool = False

    def note(self, speaker: Speaker) -> None:
        if speaker in self.recent:
            self.recent.remove(speaker)
        self.recent.append(speaker)

    def resolve_backref(self, kind: str) -> Speaker | None:
        for candidate in reversed(self.recent):
            if kind == "institution" and candidate.kind == "institution":
                return candidate
            if kind == "person" and candidate.kind == "person":
                return candidate
            if kind in ("russia", "nato") and candidate.kind == "person" and candidate.side.value == kind:
                return candidate
        return None


def _speaker(actor: Actor) -> Speaker:
    return Speaker(actor.id, actor.name, actor.side, actor.kind)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class SpeakerFinder:
    def __init__(self, registry: Registry, lexicon: Lexicon) -> None:
        self.registry = registry
        self.lex = lexicon
        titles = "|".join(t.replace(" ", r"\s+") for t in sorted(lexicon.role_title_list, key=len, reverse=True))
        self._appositive = re.compile(rf"(?<![\w-])(?P<title>{titles})\s+(?P<name>{_NAME})")
        verbs = lexicon.speech_verbs.pattern
        # "X, who led the delegation, said": one parenthetical may stand between subject and verb.
        self._verb_after = re.compile(r"^(?:\s*,[^,\"“”()]{1,100},)?" + _ADVERBIAL + r"\s*(?P<verb>" + verbs + r")")
        # "..., said Grushko": the inverted verb follows the quote or clause it closes.
        self._verb_before = re.compile(r"(?:^|[,.\"”’'–—-])\s*(?P<verb>" + verbs + r")\s*$")
        self._according_before = re.compile(r"(?:" + lexicon.according.pattern + r")\s*$", re.I)
        self._statement_after = re.compile(r"^['’]s\s+(?:" + lexicon.statement_nouns.pattern + r")", re.I)

    # --- mentions -----------------------------------------------------------------
    def _side_of(self, prefix: str) -> Side:
        if self.lex.side_words["russia"].search(prefix):
            return Side.RUSSIA
        if self.lex.side_words["nato"].search(prefix):
            return Side.NATO
        return Side.OTHER

    def scan(self, text: str) -> "_Scan":
        """Every pattern run once over the whole article; sentences then take their share."""
        return _Scan(
            appositives=list(self._appositive.finditer(text)),
            backrefs=list(self.lex.backref_pattern.finditer(text)),
            roles=list(self.registry.role_pattern.finditer(text)) if self.registry.role_pattern else [],
            aliases=list(self.registry.alias_pattern.finditer(text)),
        )

    def mentions(self, text: str, start: int, end: int, ctx: _Context, on: date | None,
                 scan: "_Scan | None" = None) -> list[Mention]:
        """Actor mentions in [start, end): the longest reading wins where readings overlap
        ("The Kremlin official" is a back-reference, not the Kremlin)."""
        scan = scan or self.scan(text)

        def within(found: list[re.Match[str]]) -> list[re.Match[str]]:
            return [m for m in found if start <= m.start() and m.end() <= end]

        def with_article(at: int) -> int:
            # "the Russian Foreign Ministry" names the ministry; it is no back-reference
            return at - 4 if at - 4 >= start and text[at - 4:at].lower() == "the " else at

        candidates: list[tuple[int, int, Speaker | None, str, int]] = []  # (start, end, speaker, kind, rank)
        speaker: Speaker | None
        # A titled name tells the side of a speaker the registry lacks.
        for m in within(scan.appositives):
            name = m.group("name")
            # Capitalised words before the title ("Russian Deputy ...") tell the side.
            prefix = _PREFIX.search(text, max(start, m.start() - 60), m.start())
            phrase_start = prefix.start() if prefix and prefix.group() else m.start()
            actor = self.registry.by_alias.get(name) or self.registry.by_alias.get(name.split()[-1])
            if actor is not None:
                speaker = _speaker(actor)
            else:
                side = self._side_of(text[phrase_start:m.end("title")])
                speaker = ctx.discovered.get(name) or Speaker(_slug(name), name, side, "person")
                ctx.discovered[name.split()[-1]] = speaker
                ctx.discovered[name] = speaker
            candidates.append((phrase_start, m.end("name"), speaker, "name", 0))
        for m in within(scan.backrefs):
            candidates.append((m.start(), m.end(), None, "backref:" + re.sub(r"\s+", " ", m.group()), 5))
        for m in within(scan.roles):
            actor = self.registry.by_role(m.group(), on)
            if actor is not None:
                candidates.append((with_article(m.start()), m.end(), _speaker(actor), "role", 1))
        for m in within(scan.aliases):
            actor = self.registry.by_alias[re.sub(r"\s+", " ", m.group())]
            candidates.append((with_article(m.start()), m.end(), _speaker(actor), "name", 3))
        for name, speaker in ctx.discovered.items():
            for m in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w])", text[start:end]):
                candidates.append((start + m.start(), start + m.end(), speaker, "name", 4))
        chosen: list[Mention] = []
        for c_start, c_end, speaker, kind, _rank in sorted(candidates, key=lambda c: (c[0] - c[1], c[4], c[0])):
            if all(c_end <= m.start or c_start >= m.end for m in chosen):
                chosen.append(Mention(c_start, c_end, speaker, kind))
        return sorted(chosen, key=lambda m: m.start)

    # --- attribution ------------------------------------------------------------------
    def statements(self, text: str, sentences: list[Sentence], published: date | None) -> list[Statement]:
        """Pass 1 finds explicit attributions in document order; pass 2 gives quoted and
        first-person sentences without one to the speaker of their quote or paragraph."""
        ctx = _Context()
        scan = self.scan(text)
        direct: dict[int, list[tuple[Speaker, tuple[int, int]]]] = {}
        labelled: dict[int, Speaker | None] = {}
        quotes: dict[int, list[tuple[int, int]]] = {}
        label_on = False
        label_speaker: Speaker | None = None
        for index, sent in enumerate(sentences):
            if sent.paragraph not in quotes:
                p_sents = [s for s in sentences if s.paragraph == sent.paragraph]
                quotes[sent.paragraph] = quote_regions(text, p_sents[0].start, p_sents[-1].end)
                label = _LABEL.match(text, p_sents[0].start)
                if label and self._is_speaker_label(label.group(1), ctx):
                    label_on = True
                    label_speaker = self._label_speaker(label.group(1), ctx, published)
            if label_on:
                labelled[index] = label_speaker
                continue
            mentions = []
            for mention in self.mentions(text, sent.start, sent.end, ctx, published, scan):
                speaker = mention.speaker or self._resolve(mention, ctx)
                if speaker is not None:
                    ctx.note(speaker)
                    mentions.append(Mention(mention.start, mention.end, speaker, mention.kind))
            found = self._attributions(text, sent.start, sent.end, mentions)
            if found:
                direct[index] = found
                for speaker, _ in found:
                    ctx.note(speaker)

        out: list[Statement] = []
        last: tuple[Speaker, int] | None = None  # (speaker, paragraph)
        for index, sent in enumerate(sentences):
            whole = (sent.start, sent.end)
            if index in labelled:
                speaker = labelled[index]
                if speaker is not None:  # a journalist's question is nobody's claim
                    label = _LABEL.match(text, sent.start)
                    content = (label.end() if label else sent.start, sent.end)
                    out.append(Statement(speaker, sent.start, sent.end, content, index))
                continue
            if index in direct:
                for speaker, content in direct[index]:
                    out.append(Statement(speaker, sent.start, sent.end, content, index))
                last = (direct[index][-1][0], sent.paragraph)
                continue
            region = next(
                ((a, b) for a, b in quotes[sent.paragraph] if a <= sent.start + 1 and sent.end <= b + 2), None
            )
            speaker = None
            if region is not None:
                speaker = self._quote_speaker(region, sentences, index, direct)
            if speaker is None and last is not None and sent.paragraph - last[1] <= 1 and (
                region is not None or self.lex.first_person.search(text, sent.start, sent.end)
            ):
                speaker = last[0]
            if speaker is not None:
                out.append(Statement(speaker, sent.start, sent.end, whole, index))
                last = (speaker, sent.paragraph)
        return out

    @staticmethod
    def _quote_speaker(
        region: tuple[int, int], sentences: list[Sentence], index: int,
        direct: dict[int, list[tuple[Speaker, tuple[int, int]]]],
    ) -> Speaker | None:
        """The speaker of a quote: an attribution in a later sentence of the quote, else an earlier one."""
        later = [i for i in range(index + 1, len(sentences)) if sentences[i].start < region[1] + 2]
        earlier = [i for i in range(index - 1, -1, -1) if sentences[i].end > region[0]]
        for i in later + earlier:
            if i in direct:
                return direct[i][0][0]
        return None

    def _is_speaker_label(self, label: str, ctx: _Context) -> bool:
        """Whether "LABEL:" opens a transcript turn. Page furniture ("READ MORE:") and
        unknown single words ("UP:", a region's abbreviation) do not: an unknown
        speaker needs a first name and a surname, or a title and a surname."""
        label = re.sub(r"\s+", " ", label.strip())
        if label.rstrip(".") in self.lex.journalist_labels:
            return True
        if label.upper() in self.lex.page_labels:
            return False
        surname = label.split()[-1].title()
        if self.registry.by_alias.get(label) or self.registry.by_alias.get(surname) or surname in ctx.discovered:
            return True
        return len(label.split()) >= 2

    def _label_speaker(self, label: str, ctx: _Context, on: date | None) -> Speaker | None:
        label = label.strip()
        if label.rstrip(".") in self.lex.journalist_labels:
            return None
        actor = self.registry.by_alias.get(label)
        if actor is None:
            surname = label.split()[-1].title()
            actor = self.registry.by_alias.get(surname)
        if actor is not None:
            return _speaker(actor)
        if surname_speaker := ctx.discovered.get(label.split()[-1].title()):
            return surname_speaker
        return Speaker(_slug(label), label.title(), self._side_of(label.title()), "person")

    def _resolve(self, mention: Mention, ctx: _Context) -> Speaker | None:
        word = mention.kind.split(":", 1)[1]
        return ctx.resolve_backref(backref_filter(self.lex, word))

    def _attributions(
        self, text: str, start: int, end: int, mentions: list[Mention]
    ) -> list[tuple[Speaker, tuple[int, int]]]:
        """(speaker, content span) for each attribution in the sentence."""
        points: list[tuple[int, int, Speaker, bool]] = []  # (phrase start, phrase end, speaker, forward?)
        for m in mentions:
            if m.speaker is None:
                continue
            after = text[m.end:end]
            before = text[start:m.start]
            # "X's statement that ..." and "according to X, ..." put the content after.
            statement = self._statement_after.match(after)
            if statement:
                points.append((m.start, m.end + statement.end(), m.speaker, True))
                continue
            acc = self._according_before.search(before)
            if acc:
                points.append((start + acc.start(), m.end, m.speaker, True))
                continue
            verb = self._verb_after.match(after)
            if verb:
                phrase_start = m.start
                # Coordinated subjects ("Both NATO and Russia stressed") are joint statements.
                if re.search(r"\b(?:both|and)\s*$", text[max(start, m.start - 40):m.start], re.I) and re.search(
                    r"\bboth\b", text[max(start, m.start - 40):m.start], re.I
                ):
                    continue
                points.append((phrase_start, m.end + verb.end(), m.speaker, True))
                continue
            pre = self._verb_before.search(before[-30:]) if before else None
            if pre:
                phrase_start = m.start - (len(before[-30:]) - pre.start("verb"))
                points.append((phrase_start, m.end, m.speaker, False))
        if not points:
            return []
        points.sort()
        out = []
        for i, (p_start, p_end, speaker, _forward) in enumerate(points):
            prev_end = points[i - 1][1] if i else start
            next_start = points[i + 1][0] if i + 1 < len(points) else end
            back = text[prev_end:p_start]
            fwd = text[p_end:next_start]
            # Forward: "X said that ...", "X said: ...", or "X said (on Monday) Moscow is ..."
            # (a clause once time, place and audience are stripped). Backward: "..., X said"
            # after a comma or a quote.
            rest = strip_adjuncts(fwd)
            clause = len(rest.split()) >= 3
            forward = clause and (_FORWARD_START.match(fwd) is not None or _PREPOSITION_START.match(rest) is None)
            back_ok = (
                len(back.split()) >= 3
                and re.search(r"[,\"”’'–—:-]\s*$", back) is not None
                and (not forward or re.search(r"[\"“”]", back) is not None)
            )
            if back_ok:
                out.append((speaker, (prev_end, p_start)))
            if forward:
                out.append((speaker, (next_start - len(rest), next_start)))
        return out
