"""Topics and stances within one speaker's words, from the cue lexicons.

Rules, in the order they apply to each topic mentioned in a clause:
1. A topic inside a condition the speaker sets ("unless NATO restores military
   contacts", "provided that we operate in a context of de-escalation") is something
   the speaker wants: support.
2. A condition or hedge in the clause ("only if", "hardly", "for the sake of")
   makes the stance conditional.
3. A rejection by the other camp ("NATO's rejection of contacts", "cut by NATO")
   is the speaker's complaint, so it counts as support; a negated rejection
   ("not against dialogue") is support too; a negated support cue is opposition.
4. Support and opposition in one clause make it conditional.
A topic with no stance cue in its clause nor in the whole statement is no claim.
"""

import bisect
import re
from dataclasses import dataclass

from schemas.events import Side, Stance, Topic
from streams.core.extraction.clauses import Cue, Layout
from streams.core.extraction.lexicon import Lexicon
from streams.core.extraction.patterns import Occupancy

_AGENT_REACH = 40  # characters between a party's name and the cue it governs
_PRIORITY = {Stance.CONDITIONAL: 0, Stance.OPPOSE: 1, Stance.SUPPORT: 2}


@dataclass(frozen=True)
class Finding:
    topic: Topic
    stance: Stance
    cue: str


def _inside_topic(cue: Cue, topics: list[tuple[list[int], list[int]]]) -> bool:
    """Whether the cue overlaps a topic mention at least as long as itself. Each topic's
    mentions (starts, ends) come in text order without overlap: bisect to the cue."""
    for starts, ends in topics:
        i = bisect.bisect_right(ends, cue.start)
        while i < len(starts) and starts[i] < cue.end:
            if ends[i] - starts[i] >= cue.end - cue.start:
                return True
            i += 1
    return False


class StanceReader:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon

    def _cues(self, text: str, start: int, end: int, topics: list[tuple[list[int], list[int]]]) -> list[Cue]:
        raw = [
            Cue(m.start(), m.end(), stance, m.group())
            for stance, pattern in self.lex.stances.items()
            for m in pattern.finditer(text, start, end)
        ]
        raw = [c for c in raw if not _inside_topic(c, topics)]
        # A longer cue hides the shorter ones inside it ("lack of readiness" over "readiness").
        raw.sort(key=lambda c: (-(c.end - c.start), _PRIORITY[c.stance]))
        taken = Occupancy(start, end)
        kept = [cue for cue in raw if taken.claim(cue.start, cue.end)]
        return sorted(kept, key=lambda c: c.start)

    def _negated(self, text: str, clause_start: int, cue: Cue, previous_end: int) -> bool:
        # A negation that belongs to an earlier cue ("not considering Russia's proposals")
        # does not reach past it.
        floor = max(clause_start, cue.start - 30, previous_end)
        window = text[floor:cue.start]
        words = re.findall(r"[\w']+", window)[-3:]
        return any(self.lex.negation.fullmatch(w) for w in words) or window.rstrip().endswith("n't")

    def _agent_side(self, text: str, layout: Layout, clause_start: int, cue: Cue, speaker: Side) -> str | None:
        """'self' when the speaker's camp does it, 'other' for the other camp, None if unsaid."""
        clause_start = layout.own_clause_start(clause_start, cue.start)  # the agent is in the cue's own clause
        after = text[cue.end:cue.end + 30]
        by = re.match(r"^\s+by\s+(.{0,20})", after)
        # The agent is the party named by "by ..." after the cue, else the first party
        # named in the clause before it: English clauses put their subject first.
        window = by.group(1) if by else text[max(clause_start, cue.start - 80):cue.start]
        best: tuple[int, str] | None = None
        for side, pattern in self.lex.parties.items():
            m = pattern.search(window)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), side)
        if not by and best is not None and len(window) - best[0] > _AGENT_REACH:
            return None  # a party named far before the cue is seldom its subject
        if best is None:
            return None
        side = best[1]
        if side == "self" or side == speaker.value:
            return "self"
        return "other" if speaker in (Side.RUSSIA, Side.NATO) else None

    def _stance_of(
        self, text: str, layout: Layout, clause: tuple[int, int], cue_range: tuple[int, int], speaker: Side
    ) -> Stance | None:
        conditional = support = oppose = False
        lo, hi = cue_range
        for i in range(lo, hi):
            cue = layout.cues[i]
            previous_end = layout.cues[i - 1].end if i > lo else clause[0]  # cues are sorted, disjoint
            if cue.stance is Stance.CONDITIONAL:
                conditional = True
            elif cue.stance is Stance.SUPPORT:
                if self._agent_side(text, layout, clause[0], cue, speaker) == "other":
                    continue  # the other camp's wish ("NATO wanted the council to ...") is not the speaker's
                if self._negated(text, clause[0], cue, previous_end):
                    oppose = True
                else:
                    support = True
            elif self._negated(text, clause[0], cue, previous_end) or (
                self._agent_side(text, layout, clause[0], cue, speaker) == "other"
            ):
                support = True
            else:
                oppose = True
        if conditional or (support and oppose):
            return Stance.CONDITIONAL if (conditional or support) else Stance.OPPOSE
        if oppose:
            return Stance.OPPOSE
        if support:
            return Stance.SUPPORT
        return None

    def read(self, text: str, start: int, end: int, speaker: Side) -> list[Finding]:
        findings: list[Finding] = []
        for (own_topic, own_stance), pattern in self.lex.topic_stances.items():
            if (m := pattern.search(text, start, end)) and own_topic not in {f.topic for f in findings}:
                findings.append(Finding(own_topic, own_stance, m.group()))
        by_topic = {topic: [(m.start(), m.end()) for m in pattern.finditer(text, start, end)]
                    for topic, pattern in self.lex.topics.items()}
        all_topics = [(s, e, topic) for topic, spans in by_topic.items() for s, e in spans]
        if not all_topics:
            return findings  # most statements touch no tracked topic: skip the cue scan
        topics = [([s for s, _ in spans], [e for _, e in spans]) for spans in by_topic.values()]
        layout = Layout(text, start, end, self._cues(text, start, end, topics))
        # A clause's stance, and the whole statement's, depend on neither the topic nor the
        # mention: worked out once, however many mentions of a topic find no stance.
        clause_stances: dict[tuple[int, int], Stance | None] = {}
        seen: set[Topic] = {f.topic for f in findings}
        for t_start, _t_end, topic in sorted(all_topics):
            if topic in seen:
                continue
            clause = layout.clause_of(t_start)
            cue_range = layout.cues_in(clause)
            stance: Stance | None
            marker = layout.last_marker(clause[0], t_start)
            if marker is not None and not layout.non_support_between(cue_range, marker[1], t_start):
                stance = Stance.SUPPORT
            else:
                if clause not in clause_stances:
                    clause_stances[clause] = self._stance_of(text, layout, clause, cue_range, speaker)
                stance = clause_stances[clause]
                if stance is None:
                    whole = (start, end)
                    if whole not in clause_stances:
                        clause_stances[whole] = self._stance_of(text, layout, whole, (0, len(layout.cues)), speaker)
                    stance = clause_stances[whole]
            if stance is not None:
                seen.add(topic)
                cue_text = ", ".join(c.text for c in layout.cues[cue_range[0]:cue_range[1]]) or "statement"
                findings.append(Finding(topic, stance, cue_text))
        return findings
