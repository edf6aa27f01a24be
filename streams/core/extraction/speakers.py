"""Who speaks in each sentence: transcript turns, attributions, readout frames.

The result for an article is a list of ``Statement``: a speaker and the stretch of
text that is theirs. Sentences with no speaker (a journalist's framing, a bare
event report, a question) yield nothing.
"""

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from streams.core.extraction.attribution import Attributor
from streams.core.extraction.lexicon import Lexicon
from streams.core.extraction.mentions import JOINT, UPPER, Context, Mention, MentionFinder, Speaker, speaker_of
from streams.core.extraction.registry import Registry
from streams.core.extraction.text import Sentence, quote_regions


@dataclass(frozen=True)
class Statement:
    speaker: Speaker
    start: int  # the sentence that carries the statement
    end: int
    content: tuple[int, int]  # the speaker's own words within it


_YEAR = re.compile(r"(?<!\d)(?:19[5-9]\d|20\d\d)(?!\d)")
# A year named as a deadline or a term's end ("by 2030", "until 2026", "post-2026", "when it
# expires in 2026") is about the future, not the time the text was written in.
_TARGET = re.compile(r"(?:\b(?:by|until|till|beyond|expires?\s+in|expiring\s+in|ends?\s+in)\s+|\bpost-)"
                     r"(?:(?:the\s+)?(?:end|start|beginning|middle)\s+of\s+|mid-)?$", re.I)


def _era(text: str) -> date | None:
    """For reading titles in an undated text: the middle of the year it names most (the
    latest of those tied), deadlines aside, or None when it names none."""
    years = Counter(int(m.group()) for m in _YEAR.finditer(text)
                    if not _TARGET.search(text, max(0, m.start() - 40), m.start()))
    if not years:
        return None
    return date(max(years, key=lambda y: (years[y], y)), 7, 1)


# A title that names the one person whose words the text is: "Remarks by President Biden on
# Russia", "Statement by the Secretary General", "President Biden Statement Ahead of ..." (this
# last form only with a capital S and a role title first: "Putin statement on talks sparks
# concern" is a news headline about a statement, not the statement).
_AUTHORED = re.compile(
    r"^\s*(?:(?:Remarks|Statement|Address|Speech|Op-Ed|Message)(?:\s+as\s+Prepared)?(?:\s+for\s+Delivery)?"
    r"\s+(?:by|of|from)\s+(?P<by>.+?)|(?P<before>.+?)(?-i:\s+Statement))"
    r"(?:\s+(?:on|at|for|in|to|before|announcing|ahead|following|during|regarding|about|after)\b.*)?\s*$",
    re.I | re.S)


def _is_question(text: str, sent: Sentence) -> bool:
    return text[sent.start:sent.end].rstrip(" \t\n\xa0\"”’')").endswith("?")


class SpeakerFinder:
    def __init__(self, registry: Registry, lexicon: Lexicon) -> None:
        self.registry = registry
        self.lex = lexicon
        self.finder = MentionFinder(registry, lexicon)
        self.attributor = Attributor(lexicon)
        self._titled = re.compile(r"\s*(?:" + "|".join(lexicon.role_title_list) + r")\s")
        connectors = "|".join(lexicon.label_connectors)
        # A transcript turn opens with its speaker's label: "MS. PSAKI:", "Q", "Vladimir Putin:",
        # "President of Kazakhstan Kassym-Jomart Tokayev:", "Olaf Scholz(retranslated):".
        # Spaces are possessive (\s*+) where what follows is never a space: trying every split
        # of a long run of spaces between two of them would be quadratic in it.
        self._label = re.compile(
            rf"\s*+(?:(?P<q>Q)(?:\s*+:\s+|[ \t\xa0]{{2,}})"
            rf"|(?P<label>[A-Z][A-Z.'’ -]{{0,60}}?"
            rf"|[{UPPER}][\w'’.-]*(?:[ \t]+(?:[{UPPER}][\w'’.-]*|{connectors})){{0,11}}?)"
            rf"\s*+(?:\([^()\n]{{1,40}}\))?\s*+:\s+)"
        )

    def author(self, title: str) -> Speaker | None:
        """The one registry actor a title like "Remarks by X" names as the text's speaker."""
        m = _AUTHORED.match(title) if title else None
        if m is None:
            return None
        who = m.group("by") or m.group("before")
        if m.group("before") and not self._titled.match(who):
            return None
        found = {self.registry.by_alias[re.sub(r"\s+", " ", a.group())].id
                 for a in self.registry.alias_pattern.finditer(who)}
        return speaker_of(self.registry.actors[found.pop()]) if len(found) == 1 else None

    def statements(self, text: str, sentences: list[Sentence], published: date | None,
                   author: Speaker | None = None) -> list[Statement]:
        """Pass 1 finds transcript turns and explicit attributions in document order; pass 2
        gives quoted, first-person and passive sentences without one to their speaker, and,
        in a text of one ``author`` without turns, every other unquoted sentence to them."""
        scan = self.finder.scan(text)
        # An undated text: titles go to the holders it names, else to those of the year it names most.
        named = frozenset() if published else frozenset(
            self.registry.by_alias[re.sub(r"\s+", " ", m.group())].id for m in scan.aliases)
        published = published or _era(text)
        ctx = Context(named=named)
        on = published
        ctx.bare_titles = lambda: {k: speaker_of(a) for k, a in self.registry.bare_titles(text, on, named).items()}
        direct: dict[int, list[tuple[Speaker, tuple[int, int]]]] = {}
        labelled: dict[int, tuple[Speaker | None, int]] = {}  # sentence -> (turn's speaker, content start)
        quotes: dict[int, _Regions] = {}
        extents = _paragraph_extents(sentences)
        in_lead: set[Speaker] = set()  # ctx.participants as a set: a lead may name many people
        in_transcript = False
        turn: Speaker | None = None
        host: Speaker | None = None
        for index, sent in enumerate(sentences):
            if sent.paragraph not in quotes:
                quotes[sent.paragraph] = _Regions(quote_regions(text, *extents[sent.paragraph]))
            own_start = sent.start  # where the sentence's own words begin, after any label
            label = self._label.match(text, sent.start, sent.end)
            if label is not None:
                opens, speaker = self._turn(label, ctx, published, in_transcript)
                if opens:
                    in_transcript, turn, own_start = True, speaker, label.end()
            if in_transcript:
                labelled[index] = (turn, own_start)
            mentions = []
            for mention in self.finder.mentions(text, own_start, sent.end, ctx, published, scan):
                speaker = mention.speaker or self.finder.resolve(mention, ctx)
                if speaker is not None:
                    if speaker.id != JOINT:
                        ctx.note(speaker)
                    mentions.append(Mention(mention.start, mention.end, speaker, mention.kind))
            if sent.paragraph == 0:
                for m in mentions:
                    if m.speaker and m.speaker.kind == "person" and m.speaker.id != JOINT \
                            and m.speaker not in in_lead:
                        in_lead.add(m.speaker)
                        ctx.participants.append(m.speaker)
                if index == 0 and ctx.participants:
                    host = ctx.participants[0]
            found = self._expand_joint(self.attributor.find(text, own_start, sent.end, mentions), ctx)
            if found:
                direct[index] = found
                for speaker, _ in found:
                    ctx.note(speaker)

        out: list[Statement] = []
        last: tuple[Speaker, int] | None = None  # (speaker, paragraph)
        quoted = _QuoteSpeakers(sentences, direct)
        for index, sent in enumerate(sentences):
            if _is_question(text, sent):
                continue  # a question states no position
            whole = (sent.start, sent.end)
            if index in labelled and (index not in direct or labelled[index][0] is None):
                speaker, content_start = labelled[index]
                if speaker is not None:  # a journalist's or an unknown person's turn is nobody's claim
                    out.append(Statement(speaker, sent.start, sent.end, (content_start, sent.end)))
                continue
            if index in direct:  # within a turn too: "The President made clear that ..."
                for speaker, content in direct[index]:
                    out.append(Statement(speaker, sent.start, sent.end, content))
                last = (direct[index][-1][0], sent.paragraph)
                continue
            region = quotes[sent.paragraph].enclosing(sent.start, sent.end)
            speaker = None
            first_person = self.lex.first_person.search(text, sent.start, sent.end) is not None
            if region is not None:
                speaker = quoted.speaker(region, index)
            # Someone quoted inside the sentence, by an attribution not resolved: nobody's.
            cites = region is None and quotes[sent.paragraph].any_within(sent.start, sent.end)
            if region is None and author is not None and not labelled and not cites:
                speaker = author  # a speech or statement: its unquoted words are its author's
            if speaker is None and host is not None and self.lex.passive_reports.search(text, sent.start, sent.end):
                speaker = host  # "It was noted that ...": the readout's principal
            if speaker is None and last is not None and sent.paragraph - last[1] <= 1 and not cites and (
                region is not None or first_person
            ):
                speaker = last[0]
            if speaker is None and first_person and not direct and not labelled and not cites:
                # A statement or speech that names no speaker is its office's principal's ("my Administration").
                speaker = ctx.bare("president")
            if speaker is not None:
                out.append(Statement(speaker, sent.start, sent.end, whole))
                last = (speaker, sent.paragraph)
        return out

    @staticmethod
    def _expand_joint(
        found: list[tuple[Speaker, tuple[int, int]]], ctx: Context
    ) -> list[tuple[Speaker, tuple[int, int]]]:
        """A joint subject's statement is each participant's; with fewer than two known, nobody's."""
        out = []
        for speaker, content in found:
            if speaker.id != JOINT:
                out.append((speaker, content))
            elif len(ctx.participants) >= 2:
                out.extend((p, content) for p in ctx.participants)
        return out

    def _turn(self, label: re.Match[str], ctx: Context, on: date | None,
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
                return True, speaker_of(self.registry.by_alias[re.sub(r"\s+", " ", m.group())])
        if self.registry.role_pattern and (m := self.registry.role_pattern.search(probe)):
            actor = self.registry.by_role(m.group(), on, ctx.named)
            if actor is not None:
                return True, speaker_of(actor)
        if (speaker := ctx.discovered.first_in(probe)) is not None:
            return True, speaker
        if self.finder.appositive.search(probe):
            mentions = self.finder.mentions(probe, 0, len(probe), ctx, on)
            found = next((m.speaker for m in mentions if m.speaker and m.kind == "name"), None)
            if found is not None:
                return True, found
        if len(words) >= 2 or (in_transcript and raw.isupper()):
            return True, None
        return False, None


def _paragraph_extents(sentences: list[Sentence]) -> dict[int, tuple[int, int]]:
    """Each paragraph's span, from its first sentence's start to its last one's end."""
    extents: dict[int, tuple[int, int]] = {}
    for sent in sentences:
        first = extents.get(sent.paragraph)
        extents[sent.paragraph] = (first[0] if first else sent.start, sent.end)
    return extents


class _Regions:
    """A paragraph's quote regions, looked up by bisection: in a long paragraph full of
    quotes a walk over them for every sentence would be quadratic."""

    def __init__(self, regions: list[tuple[int, int]]) -> None:
        # quote_regions gives disjoint regions in text order: starts and ends both ascend.
        self.regions = regions
        self.starts = [a for a, _ in regions]
        self.ends = [b for _, b in regions]

    def enclosing(self, start: int, end: int) -> tuple[int, int] | None:
        """The first region with a <= start + 1 and end <= b + 2 (a quote mark may stand
        just outside the sentence), or None."""
        opened_before = bisect.bisect_right(self.starts, start + 1)
        first_long_enough = bisect.bisect_left(self.ends, end - 2)
        return self.regions[first_long_enough] if first_long_enough < opened_before else None

    def any_within(self, start: int, end: int) -> bool:
        """Whether a region opens inside [start, end)."""
        first = bisect.bisect_left(self.starts, start)
        return first < len(self.starts) and self.starts[first] < end


class _QuoteSpeakers:
    """The speaker of a quote: an attribution in a later sentence of the quote, else an
    earlier one. Sentences come in text order, so the sentences a quote covers and the
    attributed ones among them are found by bisection, not by walking the article."""

    def __init__(self, sentences: list[Sentence], direct: dict[int, list[tuple[Speaker, tuple[int, int]]]]) -> None:
        self.starts = [s.start for s in sentences]
        self.ends = [s.end for s in sentences]
        self.attributed = sorted(direct)
        self.direct = direct

    def speaker(self, region: tuple[int, int], index: int) -> Speaker | None:
        later_end = bisect.bisect_left(self.starts, region[1] + 2, lo=index + 1)  # later: index+1 .. later_end-1
        nearest = bisect.bisect_right(self.attributed, index)
        if nearest < len(self.attributed) and self.attributed[nearest] < later_end:
            return self.direct[self.attributed[nearest]][0][0]
        earlier_start = bisect.bisect_right(self.ends, region[0], 0, index)  # earlier: earlier_start .. index-1
        nearest = bisect.bisect_left(self.attributed, index) - 1
        if nearest >= 0 and self.attributed[nearest] >= earlier_start:
            return self.direct[self.attributed[nearest]][0][0]
        return None
