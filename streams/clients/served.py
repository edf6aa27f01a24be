"""The log as `claimtrack serve` reads it: claim changes to follow, and how far the
pipeline has got. The HTTP API takes it from the CLI and holds no Kafka client itself."""

from collections.abc import AsyncIterator

from schemas import PositionEvent
from schemas.place import Gap
from schemas.progress import LogProgress
from streams.clients.feed import ChangeFeed
from streams.clients.progress import Offsets, log_progress
from streams.config import Topics


class ServedLog:
    def __init__(self, bootstrap: str, topics: Topics, group: str) -> None:
        self.bootstrap, self.topics, self.group = bootstrap, topics, group
        self.feed = ChangeFeed(bootstrap, topics.changes)

    @property
    def changes_topic(self) -> str:
        return self.topics.changes

    @property
    def followers(self) -> int:
        return self.feed.followers

    async def start_feed(self) -> None:
        await self.feed.start()

    def follow(self, after: str | None) -> AsyncIterator[tuple[str, PositionEvent | Gap]]:
        return self.feed.follow(after)

    async def progress(self, projected: Offsets) -> LogProgress:
        return await log_progress(self.bootstrap, self.topics, self.group, projected)

    async def close(self) -> None:
        await self.feed.stop()
