"""The names of speakers discovered while reading (titled names the registry lacks, and
their surnames), found again in later sentences.

One regular expression of every name found so far would be rebuilt at each new name and
tried at every position of every sentence: quadratic in an article that introduces many
people. Names are indexed instead by their first word and looked up only where a
capitalised word starts, so a sentence costs its length whatever the number of names.
"""

import re
from typing import Generic, TypeVar

from streams.core.extraction.patterns import UPPER

T = TypeVar("T")

# A word that may open a name: where a name can start ("(?<![\w-])"), up to the end of
# its letters. Names are read by patterns whose words open with a capital.
_OPENING = re.compile(rf"(?<![\w-])[{UPPER}][^\W\d_]*")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD_CHAR = re.compile(r"\w")
_WORD_CHAR_OR_HYPHEN = re.compile(r"[\w-]")


class Names(Generic[T]):
    """name -> value, in the order names were first added, searchable in text."""

    def __init__(self) -> None:
        self._values: dict[str, T] = {}
        self._order: dict[str, int] = {}
        # first word -> the lengths of the names it opens, longest first, and the names by length
        self._lengths: dict[str, list[int]] = {}
        self._by_length: dict[tuple[str, int], set[str]] = {}

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __getitem__(self, name: str) -> T:
        return self._values[name]

    def get(self, name: str) -> T | None:
        return self._values.get(name)

    def __setitem__(self, name: str, value: T) -> None:
        if name not in self._values:
            self._order[name] = len(self._order)
            first = _LETTERS.match(name)
            if first is not None:
                key = first.group()
                lengths = self._lengths.setdefault(key, [])
                if len(name) not in lengths:
                    lengths.append(len(name))
                    lengths.sort(reverse=True)
                self._by_length.setdefault((key, len(name)), set()).add(name)
        self._values[name] = value

    def _at(self, text: str, start: int, end: int, hyphen_ends: bool) -> list[tuple[str, int]]:
        """(name, where it starts) for each name in text[start:end], longest first where
        several start together; a name ends before a character that is no word character
        (nor a hyphen, if ``hyphen_ends``)."""
        found: list[tuple[str, int]] = []
        if not self._lengths:
            return found
        after = _WORD_CHAR_OR_HYPHEN if hyphen_ends else _WORD_CHAR
        for word in _OPENING.finditer(text, start, end):
            # A name's first word is all of the letters there: a shorter one would be
            # followed by a letter, which no name ends before.
            lengths = self._lengths.get(word.group())
            if lengths is None:
                continue
            at = word.start()
            for length in lengths:
                stop = at + length
                if stop <= end and text[at:stop] in self._by_length[word.group(), length] and (
                    stop == end or not after.match(text, stop)
                ):
                    found.append((text[at:stop], at))
        return found

    def find(self, text: str, start: int, end: int) -> list[tuple[int, int, str]]:
        """(start, end, name) of the names in text[start:end], in text order and not
        overlapping, the longest where several start at one place: as an alternation of
        all names, longest first, would find them."""
        found: list[tuple[int, int, str]] = []
        resume = start
        for name, at in self._at(text, start, end, hyphen_ends=False):
            if at >= resume:
                resume = at + len(name)
                found.append((at, resume, name))
        return found

    def first_in(self, text: str) -> T | None:
        """The value of the earliest-added name that occurs in ``text`` as a whole word."""
        found = [name for name, _ in self._at(text, 0, len(text), hyphen_ends=True)]
        return self._values[min(found, key=self._order.__getitem__)] if found else None
