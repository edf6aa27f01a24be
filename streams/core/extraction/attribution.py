"""Attribution: which mention in a sentence speaks, and which words are theirs.

A mention attributes when it is the subject of a speech verb ("X said", "X told Sputnik",
"X stressed that"), the object of an inverted one ('"...," said X'), follows "according
to", or owns a statement noun ("X's statement that"). The words are the clause after the
verb or the quote or clause before it.
"""

import re

from streams.core.extraction.lexicon import Lexicon
from streams.core.extraction.mentions import Mention, Speaker

# What may stand between a subject and its verb: adverbs, commas and spaces, in any order
# ("X, however, also said"), each a token of its own. A run of spaces is one token and a
# comma is one: as optional spaces and commas around each adverb (the same language), the
# engine would try every way of splitting a run of them, exponentially many for ", , , ,".
_ADVERBIAL = (
    r"(?:\s++|,|also|later|earlier|then|has|had|have|meanwhile|once\s+again|again|further|"
    r"repeatedly|categorically|previously|recently|reportedly|on\s+\w+|in\s+an\s+interview|"
    r"however|though|although)*"
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
    r"""\s*,?\s*(?:
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
    # Matched from a moving position, not on ever shorter copies: many adjuncts would be quadratic.
    pos = 0
    while (m := _ADJUNCT.match(clause, pos)) and m.end() > pos:
        pos = m.end()
    return clause[pos:]


# How far "according to" may start before the spaces that end at its mention.
_ACCORDING_REACH = 200


def _spaces_before(text: str, start: int, at: int) -> int:
    """Where the run of spaces that ends at ``at`` begins (not before ``start``)."""
    while at > start and text[at - 1].isspace():
        at -= 1
    return at


class Attributor:
    """Finds attributions in a sentence from its mentions."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        verbs = lexicon.speech_verbs.pattern + "|" + lexicon.stance_verbs.pattern
        # The patterns after a mention are matched at its end, those before it end at its start
        # (endpos): no copies of the rest of the sentence, which would be quadratic in a long one.
        # "X, who led the delegation, said": one parenthetical may stand between subject and verb.
        self._verb_after = re.compile(r"(?:\s*+,[^,\"“”()]{1,100},)?" + _ADVERBIAL + r"\s*+(?P<verb>" + verbs + r")")
        # "..., said Grushko": the inverted verb follows the quote or clause it closes.
        self._verb_before = re.compile(r"(?:^|[,.\"”’'–—-])\s*(?P<verb>" + verbs + r")\s*$")
        self._according_before = re.compile(r"(?:" + lexicon.according.pattern + r")\s*$", re.I)
        self._statement_after = re.compile(r"['’]s\s+(?:" + lexicon.statement_nouns.pattern + r")", re.I)

    def find(
        self, text: str, start: int, end: int, mentions: list[Mention]
    ) -> list[tuple[Speaker, tuple[int, int]]]:
        """(speaker, content span) for each attribution in the sentence."""
        # (phrase start, phrase end, speaker, where a stance verb's own words begin, if one)
        points: list[tuple[int, int, Speaker, int | None]] = []
        for m in mentions:
            if m.speaker is None:
                continue
            # "X's statement that ..." and "according to X, ..." put the content after.
            statement = self._statement_after.match(text, m.end, end)
            if statement:
                points.append((m.start, statement.end(), m.speaker, None))
                continue
            reach = max(start, _spaces_before(text, start, m.start) - _ACCORDING_REACH)
            acc = self._according_before.search(text, reach, m.start)
            if acc:
                points.append((acc.start(), m.end, m.speaker, None))
                continue
            verb = self._verb_after.match(text, m.end, end)
            if verb:
                phrase_start = m.start
                # Coordinated subjects ("Both NATO and Russia stressed") are joint statements.
                if re.search(r"\b(?:both|and)\s*$", text[max(start, m.start - 40):m.start], re.I) and re.search(
                    r"\bboth\b", text[max(start, m.start - 40):m.start], re.I
                ):
                    continue
                own = verb.start("verb") if self.lex.stance_verbs.fullmatch(verb.group("verb")) else None
                points.append((phrase_start, verb.end(), m.speaker, own))
                continue
            # The window's start is the sentence's only when the sentence is that short.
            tail = text[start:m.start] if m.start - start <= 30 else "\0" + text[m.start - 30:m.start]
            pre = self._verb_before.search(tail) if m.start > start else None
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
