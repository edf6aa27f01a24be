"""The layout of one statement for the stance rules: its clause breaks, its condition
markers and its cues, each found once and then looked up by bisection.

The rules ask, for every topic mention and every cue, "which clause is this in", "what
condition marker comes before it", "which cues share its clause". Answering each by a
fresh scan from the clause's start is quadratic in a long statement (a text with no
full stops is one statement); these lookups cost a logarithm.
"""

import bisect
import re
from dataclasses import dataclass

from schemas.events import Stance

_CLAUSE_BREAK = re.compile(r",?\s+(?:but|while|whereas|yet)\s+|;\s*|\s+[–—]\s+|\bhowever,?\s+", re.I)
# The same breaks, with a run of spaces tried only from its first space: the engine tries
# every position, and from each one inside a long run it would scan the rest of the run.
# A break found from inside a run would have been found from its start, so only a search
# that itself starts inside a run (below) can need it.
_BREAK_FROM_RUN_START = re.compile(
    r"(?:,|(?<!\s))\s+(?:but|while|whereas|yet)\s+|;\s*|(?<!\s)\s+[–—]\s+|\bhowever,?\s+", re.I
)
_CONDITION_MARKER = re.compile(r"\b(?:unless|only\s+if|provided(?:\s+that)?|as\s+long\s+as|on\s+condition)\b", re.I)


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    stance: Stance
    text: str


def clause_breaks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clause breaks in text[start:end], as ``_CLAUSE_BREAK.finditer`` finds them."""
    inside_run = start > 0 and text[start - 1].isspace()
    first = _CLAUSE_BREAK.match(text, start, end) if inside_run else None
    found = [(first.start(), first.end())] if first else []
    found += [(m.start(), m.end()) for m in _BREAK_FROM_RUN_START.finditer(text, first.end() if first else start, end)]
    return found


class Layout:
    """One statement [start, end) and its cues, sorted and not overlapping."""

    def __init__(self, text: str, start: int, end: int, cues: list[Cue]) -> None:
        self.whole = (start, end)
        self.breaks = clause_breaks(text, start, end)
        self.break_ends = [b for _, b in self.breaks]
        self.clauses: list[tuple[int, int]] = []
        cursor = start
        for b_start, b_end in self.breaks:
            if b_start > cursor:
                self.clauses.append((cursor, b_start))
            cursor = b_end
        if cursor < end:
            self.clauses.append((cursor, end))
        self.clause_starts = [a for a, _ in self.clauses]
        self.markers = [(m.start(), m.end()) for m in _CONDITION_MARKER.finditer(text, start, end)]
        self.marker_ends = [b for _, b in self.markers]
        self.cues = cues
        self.cue_starts = [c.start for c in cues]
        self.cue_ends = [c.end for c in cues]
        self.not_support = [0]  # how many of the first i cues are not support
        for cue in cues:
            self.not_support.append(self.not_support[-1] + (cue.stance is not Stance.SUPPORT))

    def clause_of(self, at: int) -> tuple[int, int]:
        """The clause that holds ``at``; the whole statement if none does (``at`` is in a break)."""
        i = bisect.bisect_right(self.clause_starts, at) - 1
        return self.clauses[i] if i >= 0 and at < self.clauses[i][1] else self.whole

    def cues_in(self, clause: tuple[int, int]) -> tuple[int, int]:
        """The cues inside ``clause``, as a range of indices into ``cues``."""
        lo = bisect.bisect_left(self.cue_starts, clause[0])
        return lo, max(lo, bisect.bisect_right(self.cue_ends, clause[1]))

    def own_clause_start(self, clause_start: int, at: int) -> int:
        """Where the clause of ``at`` starts when only breaks from ``clause_start`` on count:
        the end of the last break between them, else ``clause_start``."""
        i = bisect.bisect_right(self.break_ends, at) - 1
        return self.breaks[i][1] if i >= 0 and self.breaks[i][0] >= clause_start else clause_start

    def last_marker(self, clause_start: int, at: int) -> tuple[int, int] | None:
        """The last condition marker between ``clause_start`` and ``at``."""
        i = bisect.bisect_right(self.marker_ends, at) - 1
        return self.markers[i] if i >= 0 and self.markers[i][0] >= clause_start else None

    def non_support_between(self, cue_range: tuple[int, int], start: int, end: int) -> bool:
        """Whether a cue that is not support, among those of ``cue_range``, starts in [start, end)."""
        lo, hi = cue_range
        first = bisect.bisect_left(self.cue_starts, start, lo, hi)
        last = bisect.bisect_left(self.cue_starts, end, first, hi)
        return self.not_support[last] > self.not_support[first]
