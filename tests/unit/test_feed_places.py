"""Places in the claim-change log, as /events hands them out and takes them back, and
the rule that a follower catching up and then joining the shared tail takes every
message once."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.place import Place, format_place, parse_place
from streams.clients.feed import advance

places = st.dictionaries(st.integers(0, 50), st.integers(0, 10**12), min_size=1, max_size=6)


@given(places)
def test_a_place_reads_back_as_written(place: Place) -> None:
    assert parse_place(format_place(place)) == place


@pytest.mark.parametrize("text", ["", "yesterday", "0:", ":4", "0:-1", "0:1,", "a:1", "0:1;1:2", "0=1"])
def test_a_place_that_cannot_be_read_says_so(text: str) -> None:
    with pytest.raises(ValueError, match="partition:offset"):
        parse_place(text)


def _interleaved(ranges: dict[int, range], rnd: random.Random) -> list[tuple[int, int]]:
    """The ranges' offsets, each partition in order, the partitions mixed at random."""
    left = {p: list(r) for p, r in ranges.items() if len(r)}
    out = []
    while left:
        p = rnd.choice(sorted(left))
        out.append((p, left[p].pop(0)))
        if not left[p]:
            del left[p]
    return out


@given(st.dictionaries(st.integers(0, 3), st.tuples(*(st.integers(0, 30),) * 4), min_size=1), st.randoms())
def test_catching_up_then_following_the_tail_takes_every_message_once(
        spans: dict[int, tuple[int, int, int, int]], rnd: random.Random) -> None:
    # Per partition: the follower's place, where the tail was when it joined, how far the
    # catch-up read went (at least that far, maybe further), and the end of the log.
    start, joined, read_to, end = ({p: sorted(v)[i] for p, v in spans.items()} for i in range(4))
    place = dict(start)
    taken: dict[int, list[int]] = {p: [] for p in spans}
    caught_up = _interleaved({p: range(start[p], read_to[p]) for p in spans}, rnd)
    from_tail = _interleaved({p: range(joined[p], end[p]) for p in spans}, rnd)
    for p, offset in caught_up + from_tail:
        if advance(place, p, offset):
            taken[p].append(offset)
    assert taken == {p: list(range(start[p], end[p])) for p in spans}
    assert place == end
