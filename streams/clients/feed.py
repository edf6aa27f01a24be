"""Claim changes for many followers from one reader of the log.

One consumer without a group tails the claim-changes topic and hands every message to
each follower's queue; no follower creates anything on the broker. A follower that
resumes from an earlier place first reads what it missed with a consumer of its own
(also without a group), then takes the shared tail, skipping what it has already seen:
it gets every event after its place once, in log order within each partition. When
its place is older than what the topic's retention kept, it is told so (a ``Gap``)
before the first message it can still have.

The place after an event (``schemas.place``) is what a follower hands back to resume
after it.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import PositionChanged, PositionCorroborated, PositionEvent, PositionRevised
from schemas.place import Gap, Place, format_place, parse_place
from streams.clients.admin import partitions_of
from streams.clients.deadletters import decode_or_reason
from streams.logs import log

Change = PositionEvent | Gap
Message = tuple[int, int, Change | None]  # partition, offset, what it says (None: not a claim change)

_CLOSED = None  # put in a follower's queue when the tail stops or the follower falls too far behind


def advance(place: Place, partition: int, offset: int) -> bool:
    """Move ``place`` past the message at ``offset`` of ``partition``; False, and no move,
    when the place is past it already (a message read twice: from the log while catching
    up, then from the shared tail)."""
    if offset < place.get(partition, 0):
        return False
    place[partition] = offset + 1
    return True


def _claim_change(value: bytes | None) -> PositionEvent | None:
    event, _ = decode_or_reason(value)  # an undecodable message is the dead-letter topic's business
    return event if isinstance(event, PositionChanged | PositionRevised | PositionCorroborated) else None


class ChangeFeed:
    """Followers of one claim-changes topic; started by the first of them."""

    def __init__(self, bootstrap: str, topic: str, backlog: int = 10_000) -> None:
        self.bootstrap, self.topic, self.backlog = bootstrap, topic, backlog
        self._followers: set[asyncio.Queue[Message | None]] = set()
        self._place: Place = {}  # where the shared tail reads next
        self._tail: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    @property
    def followers(self) -> int:
        return len(self._followers)

    def follow(self, after: str | None = None) -> AsyncIterator[tuple[str, Change]]:
        """Claim changes after the place ``after`` (from now on when None), each with the
        place after it, a Gap first for each partition where ``after`` is older than what
        the log kept. Raises ValueError at once for a place that cannot be read."""
        start = parse_place(after) if after is not None else None
        return self._follow(start)

    async def _follow(self, start: Place | None) -> AsyncIterator[tuple[str, Change]]:
        await self.start()
        queue: asyncio.Queue[Message | None] = asyncio.Queue(self.backlog)
        # Joining and reading the tail's place happen with no await between them: every
        # message the tail reads from here on reaches this queue.
        joined = dict(self._place)
        self._followers.add(queue)
        try:
            place = {p: (start.get(p, 0) if start is not None else end) for p, end in joined.items()}
            behind = {p: (at, joined[p]) for p, at in place.items() if at < joined[p]}
            if behind:
                async for partition, offset, event in self._read_range(behind):
                    if advance(place, partition, offset) and event is not None:
                        yield format_place(place), event
            while (message := await queue.get()) is not _CLOSED:
                partition, offset, event = message
                if advance(place, partition, offset) and event is not None:
                    yield format_place(place), event
        finally:
            self._followers.discard(queue)

    async def _read_range(self, spans: dict[int, tuple[int, int]]) -> AsyncIterator[Message]:
        """The messages of each partition from its first offset up to (at least) its last."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            tps = {p: TopicPartition(self.topic, p) for p in spans}
            consumer.assign(list(tps.values()))
            kept = await consumer.beginning_offsets(list(tps.values()))
            for p, (first, _) in spans.items():
                oldest = kept[tps[p]]
                if first < oldest:  # the follower's next offset is one the log dropped
                    # At the offset before the oldest kept, so that the follower's place moves to it.
                    yield p, oldest - 1, Gap(topic=self.topic, partition=p, missing_from=first, resumed_at=oldest)
                consumer.seek(tps[p], max(first, oldest))
            left = set(spans)
            while left:
                fetched = await consumer.getmany(*(tps[p] for p in left), timeout_ms=1000)
                for tp, messages in fetched.items():
                    for m in messages:
                        yield tp.partition, m.offset, _claim_change(m.value)
                # By position, not by the last message seen: offsets a log skips (compacted,
                # transaction markers) never arrive as messages.
                left = {p for p in left if await consumer.position(tps[p]) < spans[p][1]}
        finally:
            await consumer.stop()

    async def start(self) -> None:
        """Start the shared tail at the end of the topic (once; again after it stopped)."""
        async with self._starting:
            if self._tail is not None and not self._tail.done():
                return
            consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
            try:
                await consumer.start()
                tps = await partitions_of(consumer, self.topic)
                consumer.assign(tps)
                await consumer.seek_to_end(*tps)
                self._place = {tp.partition: await consumer.position(tp) for tp in tps}
            except BaseException:
                await consumer.stop()
                raise
            self._tail = asyncio.create_task(self._read_tail(consumer))

    async def _read_tail(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                fetched = await consumer.getmany(timeout_ms=1000)
                for tp, messages in fetched.items():
                    for m in messages:
                        message = (tp.partition, m.offset, _claim_change(m.value))
                        self._place[tp.partition] = m.offset + 1
                        for queue in list(self._followers):
                            try:
                                queue.put_nowait(message)
                            except asyncio.QueueFull:
                                # Too far behind to keep in memory: the follower ends and,
                                # resuming from its place, reads what it missed from the log.
                                self._close(queue)
        except Exception as exc:  # followers end and resume; the next one restarts the tail
            log.warning("claim-change feed stopped", error=str(exc))
        finally:
            for queue in list(self._followers):
                self._close(queue)
            await consumer.stop()

    def _close(self, queue: asyncio.Queue[Message | None]) -> None:
        """End a follower after what it has taken: what waits in its queue is dropped
        whole, so its place stays before all of it and resuming reads it again."""
        self._followers.discard(queue)
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                queue.get_nowait()
        queue.put_nowait(_CLOSED)

    async def stop(self) -> None:
        if self._tail is not None:
            self._tail.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tail
            self._tail = None
