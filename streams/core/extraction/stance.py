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

import re
from dataclasses import dataclass

from schemas.events import Side, Stance, Topic
from streams.core.extraction.lexicon import Lexicon

_CLAUSE_BREAK = re.compile(r",?\s+(?:but|while|whereas|yet)\s+|;\s*|\s+[–—]\s+|\bhowever,?\s+", re.I)
_CONDITION_MARKER = re.compile(r"\b(?:unless|only\s+if|provided(?:\s+that)?|as\s+long\s+as|on\s+condition)\b", re.I)
_AGENT_REACH = 40  # characters between a party's name and the cue it governs
_PRIORITY = {Stance.CONDITIONAL: 0, Stance.OPPOSE: 1, Stance.SUPPORT: 2}


@dataclass(frozen=True)
class Finding:
    topic: Topic
    stance: Stance
    cue: str


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    stance: Stance
    text: str


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for m in _CLAUSE_BREAK.finditer(text, start, end):
        if m.start() > cursor:
            spans.append((cursor, m.start()))
        cursor = m.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans


class StanceReader:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon

    def _cues(self, text: str, start: int, end: int, topic_spans: list[tuple[int, int]]) -> list[_Cue]:
        raw = [
            _Cue(m.start(), m.end(), stance, m.group())
            for stance, pattern in self.lex.stances.items()
            for m in pattern.finditer(text, start, end)
        ]
        raw = [c for c in raw if not any(c.start < te and ts < c.end and c.end - c.start <= te - ts
                                         for ts, te in topic_spans)]
        # A longer cue hides the shorter ones inside it ("lack of readiness" over "readiness").
        raw.sort(key=lambda c: (-(c.end - c.start), _PRIORITY[c.stance]))
        kept: list[_Cue] = []
        for cue in raw:
            if all(cue.end <= k.start or cue.start >= k.end for k in kept):
                kept.append(cue)
        return sorted(kept, key=lambda c: c.start)

    def _negated(self, text: str, clause_start: int, cue: _Cue, cues: list[_Cue]) -> bool:
        # A negation that belongs to an earlier cue ("not considering Russia's proposals")
        # does not reach past it.
        floor = max([clause_start, cue.start - 30] + [c.end for c in cues if c.end <= cue.start])
        window = text[floor:cue.start]
        words = re.findall(r"[\w']+", window)[-3:]
        return any(self.lex.negation.fullmatch(w) for w in words) or window.rstrip().endswith("n't")

    def _agent_side(self, text: str, clause_start: int, cue: _Cue, speaker: Side) -> str | None:
        """'self' when the speaker's camp does it, 'other' for the other camp, None if unsaid."""
        for brk in _CLAUSE_BREAK.finditer(text, clause_start, cue.start):
            clause_start = brk.end()  # the agent is in the cue's own clause
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

    def _stance_of(self, text: str, clause: tuple[int, int], cues: list[_Cue], speaker: Side) -> Stance | None:
        conditional = support = oppose = False
        for cue in cues:
            if cue.stance is Stance.CONDITIONAL:
                conditional = True
            elif cue.stance is Stance.SUPPORT:
                if self._agent_side(text, clause[0], cue, speaker) == "other":
                    continue  # the other camp's wish ("NATO wanted the council to ...") is not the speaker's
                if self._negated(text, clause[0], cue, cues):
                    oppose = True
                else:
                    support = True
            elif self._negated(text, clause[0], cue, cues) or (
                self._agent_side(text, clause[0], cue, speaker) == "other"
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
        all_topics = [
            (m.start(), m.end(), topic)
            for topic, pattern in self.lex.topics.items()
            for m in pattern.finditer(text, start, end)
        ]
        if not all_topics:
            return findings  # most statements touch no tracked topic: skip the cue scan
        spans = [(s, e) for s, e, _ in all_topics]
        whole_cues = self._cues(text, start, end, spans)
        seen: set[Topic] = {f.topic for f in findings}
        for t_start, _t_end, topic in sorted(all_topics):
            if topic in seen:
                continue
            clause = next(((a, b) for a, b in _clauses(text, start, end) if a <= t_start < b), (start, end))
            cues = [c for c in whole_cues if clause[0] <= c.start and c.end <= clause[1]]
            stance: Stance | None = None
            marker = None
            for m in _CONDITION_MARKER.finditer(text, clause[0], t_start):
                marker = m
            if marker is not None and not any(
                c.stance is not Stance.SUPPORT and marker.end() <= c.start < t_start for c in cues
            ):
                stance = Stance.SUPPORT
            else:
                stance = self._stance_of(text, clause, cues, speaker)
                if stance is None:
                    stance = self._stance_of(text, (start, end), whole_cues, speaker)
            if stance is not None:
                seen.add(topic)
                cue_text = ", ".join(c.text for c in cues) or "statement"
                findings.append(Finding(topic, stance, cue_text))
        return findings
