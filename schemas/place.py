"""A place in the claim-change log: every partition's next offset, written
``0:12,1:4,2:9``. It is the `id` of each event /events sends, what a client hands
back to resume after it, and what /history waits for to read its own changes."""

from pydantic import BaseModel, ConfigDict

Place = dict[int, int]  # partition -> the next offset to read


class Gap(BaseModel):
    """Claim changes a follower asked for that the log no longer holds: it resumed from a
    place before the oldest message the topic's retention kept. Its changes from
    ``missing_from`` up to ``resumed_at`` are lost to it; what it built from them should
    be read again from the projection (`/positions`, `/history`)."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    missing_from: int  # the first offset asked for
    resumed_at: int  # the first offset the log still holds, read next


def format_place(place: Place) -> str:
    return ",".join(f"{p}:{o}" for p, o in sorted(place.items()))


def parse_place(text: str) -> Place:
    """The place ``text`` names, or ValueError saying what is wrong with it."""
    place: Place = {}
    for part in text.split(","):
        partition, sep, offset = part.strip().partition(":")
        if not sep or not partition.isdigit() or not offset.isdigit():
            raise ValueError(f"a place in the log is partition:offset pairs joined by commas (0:12,1:4), not {text!r}")
        place[int(partition)] = int(offset)
    return place
