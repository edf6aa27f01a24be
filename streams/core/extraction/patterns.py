"""Word-list patterns that the regular-expression engine scans quickly."""

import re

UPPER = "A-ZÀ-ÖØ-Þ"  # capitals, for character classes


def word_alternation(entries: list[str], ignore_case: bool, end: str = r"(?![\w])") -> re.Pattern[str]:
    """One pattern for a list of regular-expression entries, matched from a word start,
    the longest entry first, followed by ``end``."""
    return re.compile(alternation_source(entries, ignore_case) + end)


def alternation_source(entries: list[str], ignore_case: bool) -> str:
    """The pattern of ``word_alternation`` without its end, to build larger patterns on.

    Where every entry starts with a plain letter, the pattern starts by consuming one of
    those letters: the engine then skips ahead to them at C speed instead of trying every
    entry at every position, and each letter leads only to the entries that start with it.
    """
    ordered = sorted(entries, key=len, reverse=True)
    flag = "(?i:" if ignore_case else "(?:"
    by_letter = _by_first_letter(ordered, ignore_case)
    if by_letter is None:
        return r"(?<![\w-])" + flag + "|".join(f"(?:{e})" for e in ordered) + ")"
    letters: set[str] = set()
    branches = []
    for letter, rests in by_letter.items():
        cases = {letter.lower(), letter.upper()} if ignore_case else {letter}
        letters |= cases
        chars = "".join(re.escape(c) for c in sorted(cases))
        branches.append(f"(?<=[{chars}]){flag}" + "|".join(f"(?:{r})" for r in rests) + ")")
    return "[" + "".join(re.escape(c) for c in sorted(letters)) + r"](?<![\w-].)(?:" + "|".join(branches) + ")"


def _by_first_letter(entries: list[str], ignore_case: bool) -> dict[str, list[str]] | None:
    """Entries grouped by their first letter, each without it ("(avoid|avert)x" counts as
    "avoidx" and "avertx"); None when an entry does not start with a plain letter."""
    grouped: dict[str, list[str]] = {}
    for entry in entries:
        group = re.match(r"\(([^()]*)\)(?![?*{+])", entry)
        heads = [alt + entry[group.end():] for alt in group.group(1).split("|")] if group else [entry]
        for head in heads:
            if not head[:1].isalnum() or head[1:2] in ("?", "*", "{", "+"):
                return None
            grouped.setdefault(head[0].lower() if ignore_case else head[0], []).append(head[1:])
    return grouped


class Occupancy:
    """Which characters of text[start:end] are taken, for keeping the longest of
    overlapping readings: a check against every reading kept so far would be quadratic
    in a long sentence."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.taken = bytearray(max(0, end - start))

    def claim(self, start: int, end: int) -> bool:
        """Take [start, end) if none of it is taken yet; whether it was taken. Readings are
        matches, never empty: an empty one would be taken wherever it stood."""
        a, b = start - self.start, end - self.start
        if self.taken.find(1, a, b) != -1:
            return False
        self.taken[a:b] = b"\x01" * (b - a)
        return True
