"""The index of discovered names finds what one alternation of all the names would find."""

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from streams.core.extraction.names import Names

NAMES = ["Ivan", "Petrov", "Iva", "Ivanov", "Ivan Petrov", "Ivan Ivanov Petrov", "Jean-Pierre", "O'Brien",
         "Élise", "Mac", "Macron", "De"]
PIECES = [*NAMES, "n", "Jean", "-Pierre", "ron", " ", " ", " ", "-", "'", ".", ",", "x", "1", "_", "\n"]


@settings(max_examples=400, deadline=None)
@example(["Ivan", "Ivan Petrov"], ["Ivan", " ", "Petrov", "-"], 0, 7)  # the longest name, and one cut by the end
@given(st.lists(st.sampled_from(NAMES), min_size=1, max_size=7, unique=True),
       st.lists(st.sampled_from(PIECES), max_size=30), st.integers(0, 40), st.integers(0, 40))
def test_same_matches_as_an_alternation_of_the_names(names: list[str], pieces: list[str], a: int, b: int) -> None:
    index: Names[str] = Names()
    for name in names:
        index[name] = name.upper()
    text = "".join(pieces)
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    longest_first = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{longest_first})(?![\w])")
    for span in ((0, len(text)), (start, end)):
        assert index.find(text, *span) == [(m.start(), m.end(), m.group()) for m in pattern.finditer(text, *span)]
    # A transcript label names the earliest-added speaker it contains.
    first = next((n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)), None)
    assert index.first_in(text) == (first.upper() if first else None)
