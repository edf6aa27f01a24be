"""Who speaks in each sentence: mentions of actors, attribution, back-references.

The result for an article is a list of ``Statement``: a speaker and the stretch of
text that is theirs. Sentences with no speaker (a journalist's framing, a bare
event report, a question) yield nothing.
"""

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from schemas.events import Side
from streams.core.extraction.lexicon import Lexicon, backref_filter
from streams.core.extraction.patterns import alternation_source
from streams.core.extraction.registry import Actor, Registry
from streams.core.extraction.text import Sentence, quote_regions

_UPPER = "A-ZÀ-ÖØ-Þ"
_WORD = rf"[{_UPPER}][^\W\d_]+(?:-[{_UPPER}]?[^\W\d_]+)?(?:['’][{_UPPER}][^\W\d_]+)?"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{1,2}}"
_PREFIX = re.compile(r"(?:[A-Z][\w.'’-]*\s+){1,4}$")
# Words of a country's name, never of a person's ("President of the French Republic Emmanuel Macron").
_STATE_WORDS = frozenset("Republic Federation Kingdom States Federal Islamic Emirates Union".split())
JOINT = "*joint*"  # stands for every participant of the call or meeting until attribution is done
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
    joints: list[re.Match[str]]
    bare: list[re.Match[str]]
    _starts: dict[int, list[int]] = field(default_factory=dict)

    def within(self, found: list[re.Match[str]], start: int, end: int) -> list[re.Match[str]]:
        """The matches inside [start, end): they come in text order, so bisect to them."""
        starts = self._starts.get(id(found))
        if starts is None:
            starts = self._starts[id(found)] = [m.start() for m in found]
        first = bisect.bisect_left(starts, start)
        last = bisect.bisect_left(starts, end, lo=first)
        return [m for m in found[first:last] if m.end() <= end]


@dataclass
class _Context:
    """What earlier sentences established: who was mentioned, who spoke."""

    recent: list[Speaker] = field(default_factory=list)
    discovered: dict[str, Speaker] = field(default_factory=dict)
    participants: list[Speaker] = field(default_factory=list)  # the persons the lead names
    # "president" -> the text's own principal; worked out on first use, since most texts use no bare title
    bare_titles: Callable[[], dict[str, Speaker]] = dict
    _bare: dict[str, Speaker] | None = None
    named: frozenset[str] = frozenset()  # registry actors an undated text names
    _pattern: tuple[int, re.Pattern[str]] | None = None

    def bare(self, title: str) -> Speaker | None:
        if self._bare is None:
            self._bare = self.bare_titles()
        return self._bare.get(title)

    def discovered_pattern(self) -> re.Pattern[str]:
        """The names of discovered speakers as one pattern, rebuilt when a name is added."""
        if self._pattern is None or self._pattern[0] != len(self.discovered):
            names = sorted(self.discovered, key=len, reverse=True)
            pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")
            self._pattern = (len(self.discovered), pattern)
        return self._pattern[1]

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


_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)")


def _era(text: str) -> date | None:
    """For reading titles in an undated text: the middle of the year it names most (the
    latest of those tied), or None when it names none."""
    years = [int(y) for y in _YEAR.findall(text)]
    if not years:
        return None
    return date(max(years, key=lambda y: (years.count(y), y)), 7, 1)


def _is_question(text: str, sent: Sentence) -> bool:
    return text[sent.start:sent.end].rstrip(" \t\n\xa0\"”’')").endswith("?")


def _speaker(actor: Actor) -> Speaker:
    return Speaker(actor.id, actor.name, actor.side, actor.kind)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class SpeakerFinder:
    def __init__(self, registry: Registry, lexicon: Lexicon) -> None:
        self.registry = registry
        self.lex = lexicon
        # "Deputy Foreign Minister Alexander Grushko", "President of the Republic of Turkey Recep Tayyip Erdogan"
        self._appositive = re.compile(
            "(?P<title>" + alternation_source([t.replace(" ", r"\s+") for t in lexicon.role_title_list], False) + ")"
            rf"(?P<of>\s+of\s+(?:the\s+)?(?:[{_UPPER}][\w'’-]*\s+(?:of\s+(?:the\s+)?)?){{1,4}}?)?"
            rf"\s*(?P<name>{_NAME})(?![\w'’-])(?!\s+[{_UPPER}])"
        )
        connectors = "|".join(lexicon.label_connectors)
        # A transcript turn opens with its speaker's label: "MS. PSAKI:", "Q", "Vladimir Putin:",
        # "President of Kazakhstan Kassym-Jomart Tokayev:", "Olaf Scholz(retranslated):".
        self._label = re.compile(
            rf"\s*(?:(?P<q>Q)(?:\s*:\s+|[ \t\xa0]{{2,}})"
            rf"|(?P<label>[A-Z][A-Z.'’ -]{{0,60}}?"
            rf"|[{_UPPER}][\w'’.-]*(?:[ \t]+(?:[{_UPPER}][\w'’.-]*|{connectors})){{0,11}}?)"
            rf"\s*(?:\([^()\n]{{1,40}}\))?\s*:\s+)"
        )
        verbs = lexicon.speech_verbs.pattern + "|" + lexicon.stance_verbs.pattern
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
            joints=list(self.lex.joint_subjects.finditer(text)),
            bare=list(self.lex.bare_titles.finditer(text)),
        )

    def _known(self, name: str) -> Actor | None:
        """A registry actor by full name, else by surname."""
        return self.registry.by_alias.get(name) or self.registry.by_alias.get(name.split()[-1])

    def mentions(self, text: str, start: int, end: int, ctx: _Context, on: date | None,
                 scan: "_Scan | None" = None) -> list[Mention]:
        """Actor mentions in [start, end): the longest reading wins where readings overlap
        ("The Kremlin official" is a back-reference, not the Kremlin)."""
        scan = scan or self.scan(text)

        def within(found: list[re.Match[str]]) -> list[re.Match[str]]:
            return scan.within(found, start, end)

        def with_article(at: int) -> int:
            # "the Russian Foreign Ministry" names the ministry; it is no back-reference
            return at - 4 if at - 4 >= start and text[at - 4:at].lower() == "the " else at

        candidates: list[tuple[int, int, Speaker | None, str, int]] = []  # (start, end, speaker, kind, rank)
        speaker: Speaker | None
        # A titled name tells the side of a speaker the registry lacks.
        for m in within(scan.appositives):
            words = m.group("name").split()
            while len(words) > 2 and words[0] in _STATE_WORDS:
                words = words[1:]
            name = " ".join(words)
            # Capitalised words before the title ("Russian Deputy ...") tell the side.
            prefix = _PREFIX.search(text, max(start, m.start() - 60), m.start())
            phrase_start = prefix.start() if prefix and prefix.group() else m.start()
            actor = self._known(name)
            if actor is not None:
                speaker = _speaker(actor)
            else:
                side = self._side_of(text[phrase_start:m.start("name")])
                speaker = ctx.discovered.get(name) or Speaker(_slug(name), name, side, "person")
                ctx.discovered[name.split()[-1]] = speaker
                ctx.discovered[name] = speaker
            candidates.append((phrase_start, m.end("name"), speaker, "name", 0))
        for m in within(scan.joints):
            candidates.append((m.start(), m.end(), Speaker(JOINT, JOINT, Side.OTHER, "person"), "joint", 2))
        for m in within(scan.bare):
            bare = ctx.bare(re.sub(r"\s+", " ", m.group("title")).lower())
            if bare is not None:
                candidates.append((m.start(), m.end(), bare, "role", 2))
        for m in within(scan.backrefs):
            candidates.append((m.start(), m.end(), None, "backref:" + re.sub(r"\s+", " ", m.group()), 5))
        for m in within(scan.roles):
            actor = self.registry.by_role(m.group(), on, ctx.named)
            if actor is not None:
                candidates.append((with_article(m.start()), m.end(), _speaker(actor), "role", 1))
        for m in within(scan.aliases):
            actor = self.registry.by_alias[re.sub(r"\s+", " ", m.group())]
            candidates.append((with_article(m.start()), m.end(), _speaker(actor), "name", 3))
        if ctx.discovered:
            for m in ctx.discovered_pattern().finditer(text, start, end):
                candidates.append((m.start(), m.end(), ctx.discovered[m.group()], "name", 4))
        chosen: list[Mention] = []
        for c_start, c_end, speaker, kind, _rank in sorted(candidates, key=lambda c: (c[0] - c[1], c[4], c[0])):
            if all(c_end <= m.start or c_start >= m.end for m in chosen):
                chosen.append(Mention(c_start, c_end, speaker, kind))
        return sorted(chosen, key=lambda m: m.start)

    # --- attribution ------------------------------------------------------------------
    def statements(self, text: str, sentences: list[Sentence], published: date | None) -> list[Statement]:
        """Pass 1 finds transcript turns and explicit attributions in document order; pass 2
        gives quoted, first-person and passive sentences without one to their speaker."""
        scan = self.scan(text)
        # An undated text: titles go to the holders it names, else to those of the year it names most.
        named = frozenset() if published else frozenset(
            self.registry.by_alias[re.sub(r"\s+", " ", m.group())].id for m in scan.aliases)
        published = published or _era(text)
        ctx = _Context(named=named)
        on = published
        ctx.bare_titles = lambda: {k: _speaker(a) for k, a in self.registry.bare_titles(text, on, named).items()}
        direct: dict[int, list[tuple[Speaker, tuple[int, int]]]] = {}
        labelled: dict[int, tuple[Speaker | None, int]] = {}  # sentence -> (turn's speaker, content start)
        quotes: dict[int, list[tuple[int, int]]] = {}
        in_transcript = False
        turn: Speaker | None = None
        host: Speaker | None = None
        for index, sent in enumerate(sentences):
            if sent.paragraph not in quotes:
                p_sents = [s for s in sentences if s.paragraph == sent.paragraph]
                quotes[sent.paragraph] = quote_regions(text, p_sents[0].start, p_sents[-1].end)
            own_start = sent.start  # where the sentence's own words begin, after any label
            label = self._label.match(text, sent.start, sent.end)
            if label is not None:
                opens, speaker = self._turn(label, ctx, published, in_transcript)
                if opens:
                    in_transcript, turn, own_start = True, speaker, label.end()
            if in_transcript:
                labelled[index] = (turn, own_start)
            mentions = []
            for mention in self.mentions(text, own_start, sent.end, ctx, published, scan):
                speaker = mention.speaker or self._resolve(mention, ctx)
                if speaker is not None:
                    if speaker.id != JOINT:
                        ctx.note(speaker)
                    mentions.append(Mention(mention.start, mention.end, speaker, mention.kind))
            if sent.paragraph == 0:
                for m in mentions:
                    if m.speaker and m.speaker.kind == "person" and m.speaker.id != JOINT \
                            and m.speaker not in ctx.participants:
                        ctx.participants.append(m.speaker)
                if index == 0 and ctx.participants:
                    host = ctx.participants[0]
            found = self._expand_joint(self._attributions(text, own_start, sent.end, mentions), ctx)
            if found:
                direct[index] = found
                for speaker, _ in found:
                    ctx.note(speaker)

        out: list[Statement] = []
        last: tuple[Speaker, int] | None = None  # (speaker, paragraph)
        for index, sent in enumerate(sentences):
            if _is_question(text, sent):
                continue  # a question states no position
            whole = (sent.start, sent.end)
            if index in labelled and (index not in direct or labelled[index][0] is None):
                speaker, content_start = labelled[index]
                if speaker is not None:  # a journalist's or an unknown person's turn is nobody's claim
                    out.append(Statement(speaker, sent.start, sent.end, (content_start, sent.end), index))
                continue
            if index in direct:  # within a turn too: "The President made clear that ..."
                for speaker, content in direct[index]:
                    out.append(Statement(speaker, sent.start, sent.end, content, index))
                last = (direct[index][-1][0], sent.paragraph)
                continue
            region = next(
                ((a, b) for a, b in quotes[sent.paragraph] if a <= sent.start + 1 and sent.end <= b + 2), None
            )
            speaker = None
            first_person = self.lex.first_person.search(text, sent.start, sent.end) is not None
            if region is not None:
                speaker = self._quote_speaker(region, sentences, index, direct)
            if speaker is None and host is not None and self.lex.passive_reports.search(text, sent.start, sent.end):
                speaker = host  # "It was noted that ...": the readout's principal
            if speaker is None and last is not None and sent.paragraph - last[1] <= 1 and (
                region is not None or first_person
            ):
                speaker = last[0]
            if speaker is None and first_person and not direct and not labelled:
                # A statement or speech that names no speaker is its office's principal's ("my Administration").
                speaker = ctx.bare("president")
            if speaker is not None:
                out.append(Statement(speaker, sent.start, sent.end, whole, index))
                last = (speaker, sent.paragraph)
        return out

    @staticmethod
    def _expand_joint(
        found: list[tuple[Speaker, tuple[int, int]]], ctx: _Context
    ) -> list[tuple[Speaker, tuple[int, int]]]:
        """A joint subject's statement is each participant's; with fewer than two known, nobody's."""
        out = []
        for speaker, content in found:
            if speaker.id != JOINT:
                out.append((speaker, content))
            elif len(ctx.participants) >= 2:
                out.extend((p, content) for p in ctx.participants)
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

    def _turn(self, label: re.Match[str], ctx: _Context, on: date | None,
              in_transcript: bool) -> tuple[bool, Speaker | None]:
        """Whether a label opens a transcript turn, and whose turn it is.

        Journalists' labels ("Q", "QUESTION:") open turns that are nobody's claims, and so
        do people who are neither in the registry nor introduced by a title (the reporters
        and guests of a news conference). Page furniture ("READ MORE:") and unknown single
        words ("UP:") open none, except that inside a transcript an upper-case word
        ("AIDE:") still ends the turn before it."""
        if label.group("q"):
            return True, None
        raw = re.sub(r"\s+", " ", label.group("label").strip())
        words = raw.rstrip(".").split()
        if raw.rstrip(".").upper() in self.lex.journalist_labels:
            return True, None
        if raw.upper() in self.lex.page_labels or words[0].upper() in self.lex.page_labels:
            return False, None
        probe = raw.title() if raw.isupper() else raw
        bare = ctx.bare(re.sub(r"^the ", "", probe.lower()))
        if bare is not None:
            return True, bare
        for candidate in (raw, probe):
            if m := self.registry.alias_pattern.search(candidate):
                return True, _speaker(self.registry.by_alias[re.sub(r"\s+", " ", m.group())])
        if self.registry.role_pattern and (m := self.registry.role_pattern.search(probe)):
            actor = self.registry.by_role(m.group(), on, ctx.named)
            if actor is not None:
                return True, _speaker(actor)
        for name, speaker in ctx.discovered.items():
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", probe):
                return True, speaker
        if self._appositive.search(probe):
            mentions = self.mentions(probe, 0, len(probe), ctx, on)
            found = next((m.speaker for m in mentions if m.speaker and m.kind == "name"), None)
            if found is not None:
                return True, found
        if len(words) >= 2 or (in_transcript and raw.isupper()):
            return True, None
        return False, None

    def _resolve(self, mention: Mention, ctx: _Context) -> Speaker | None:
        word = mention.kind.split(":", 1)[1]
        return ctx.resolve_backref(backref_filter(self.lex, word))

    def _attributions(
        self, text: str, start: int, end: int, mentions: list[Mention]
    ) -> list[tuple[Speaker, tuple[int, int]]]:
        """(speaker, content span) for each attribution in the sentence."""
        # (phrase start, phrase end, speaker, where a stance verb's own words begin, if one)
        points: list[tuple[int, int, Speaker, int | None]] = []
        for m in mentions:
            if m.speaker is None:
                continue
            after = text[m.end:end]
            before = text[start:m.start]
            # "X's statement that ..." and "according to X, ..." put the content after.
            statement = self._statement_after.match(after)
            if statement:
                points.append((m.start, m.end + statement.end(), m.speaker, None))
                continue
            acc = self._according_before.search(before)
            if acc:
                points.append((start + acc.start(), m.end, m.speaker, None))
                continue
            verb = self._verb_after.match(after)
            if verb:
                phrase_start = m.start
                # Coordinated subjects ("Both NATO and Russia stressed") are joint statements.
                if re.search(r"\b(?:both|and)\s*$", text[max(start, m.start - 40):m.start], re.I) and re.search(
                    r"\bboth\b", text[max(start, m.start - 40):m.start], re.I
                ):
                    continue
                own = m.end + verb.start("verb") if self.lex.stance_verbs.fullmatch(verb.group("verb")) else None
                points.append((phrase_start, m.end + verb.end(), m.speaker, own))
                continue
            # The window's start is the sentence's only when the sentence is that short.
            tail = before[-30:] if len(before) <= 30 else "\0" + before[-30:]
            pre = self._verb_before.search(tail) if before else None
            if pre:
                phrase_start = m.start - (len(tail) - pre.start("verb"))
                points.append((phrase_start, m.end, m.speaker, None))
        if not points:
            return []
        points.sort()
        # "X said that the alliance welcomes talks": a stance verb inside reported speech
        # is part of what the first speaker said, not a statement of its own.
        first_speech = next((p[0] for p in points if p[3] is None), None)
        points = [p for p in points if p[3] is None or first_speech is None or p[0] < first_speech]
        out = []
        for i, (p_start, p_end, speaker, own) in enumerate(points):
            prev_end = points[i - 1][1] if i else start
            next_start = points[i + 1][0] if i + 1 < len(points) else end
            if own is not None:
                # "The leaders agreed on the importance of ...", "X called for de-escalation":
                # the verb and what it governs are the speaker's position.
                if len(text[p_end:next_start].split()) >= 2:
                    out.append((speaker, (own, next_start)))
                continue
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
