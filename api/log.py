"""What the API reads from the Kafka log, handed in by whoever starts it (the CLI's
`serve` passes ``streams.clients.served.ServedLog``): the API holds no Kafka client of
its own, and its tests can hand in a log of their own making."""

from collections.abc import AsyncIterator
from typing import Protocol

from schemas import PositionEvent
from schemas.place import Gap
from schemas.progress import LogProgress


class LogSource(Protocol):
    @property
    def changes_topic(self) -> str:
        """The topic of the claim changes that ``follow`` gives."""
        ...

    @property
    def followers(self) -> int:
        """Clients following claim changes now."""
        ...

    async def start_feed(self) -> None:
        """Ready to follow claim changes; raises when the broker cannot be reached."""

    def follow(self, after: str | None) -> AsyncIterator[tuple[str, PositionEvent | Gap]]:
        """Claim changes after the place ``after`` (from now on when None), each with the
        place after it, and a Gap first for each partition where ``after`` is older than the
        log's oldest message; ValueError at once for a place that cannot be read."""
        ...

    async def progress(self, projected: dict[tuple[str, int], int]) -> LogProgress:
        """The pipeline's progress through the log, given the projection's stored offsets."""
        ...

    async def close(self) -> None: ...
