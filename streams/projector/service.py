"""The projector: reads the log and keeps the PostgreSQL projection, resuming from
the offsets stored in PostgreSQL (not Kafka's committed ones)."""

import asyncio
import contextlib
import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas import ArticlePublished
from schemas.deadletter import DeadLetter
from schemas.events import Envelope
from storage.checksum import full_checksum
from storage.locks import hold_projector_lock, release_projector_lock, take_projector_lock
from storage.migrate import migrate
from storage.projection import LogRecord, RowRefused, apply_batch, load_offsets
from storage.retry import retrying
from storage.shadow import enter_shadow, leave_shadow, swap_in_shadow
from streams import metrics
from streams.clients.admin import partitions_of, readable_log
from streams.clients.deadletters import decode_or_reason, letter_for, send_letters
from streams.config import Topics
from streams.core.handlers import LATEST, log_time, size_refusal, time_refusal
from streams.core.plausible import DateWindow
from streams.logs import log


@dataclass(frozen=True)
class Limits:
    """What the processors refuse, the projector refuses too, so it never applies an event
    its processor refused."""

    window: DateWindow = field(default_factory=DateWindow)
    max_article_bytes: int = 2_000_000


def to_record(msg: Any, topics: Topics, limits: Limits) -> tuple[LogRecord, DeadLetter | None]:
    """The record the projection applies, and the dead letter of a message it cannot take
    (undecodable, an event of a type that does not belong on its topic, an article over
    the size limit, a date outside the window): that record carries no event, so only
    its offset moves. On the topics that the stream processors check, their stage has
    refused it by the same rules and dead-lettered it already."""
    written = log_time(msg.timestamp)
    event, reason = decode_or_reason(msg.value)
    if written is None:
        event, reason = None, time_refusal(msg.timestamp)
    elif event is not None:
        reason = refusal(msg.topic, event, len(msg.value), written, topics, limits)
        event = None if reason else event
    letter = None
    if reason is not None and msg.topic not in topics.checked_upstream:
        letter = letter_for(msg, "project", reason, limits.max_article_bytes)
    elif reason is not None:
        log.info("projector passed an event its processor refused", topic=msg.topic, partition=msg.partition,
                 offset=msg.offset, reason=reason)
    return LogRecord(msg.topic, msg.partition, msg.offset, written or LATEST, event), letter


def refusal(topic: str, event: Envelope, size: int, written: datetime, topics: Topics,
            limits: Limits) -> str | None:
    if event.event_type not in topics.carries(topic):
        return f"a {event.event_type} on {topic}, which carries {', '.join(topics.carries(topic))} only"
    if isinstance(event, ArticlePublished) and (reason := size_refusal(size, limits.max_article_bytes)):
        return reason
    return limits.window.event_refusal(event, written.date())


@dataclass(frozen=True)
class Rebuilt:
    before: str  # full checksums
    after: str
    events: int
    seconds: float


class Projector:
    def __init__(self, bootstrap: str, database_url: str, topics: Topics, batch_size: int = 2000,
                 limits: Limits = Limits(), linger: float = 0.2) -> None:
        self.bootstrap = bootstrap
        self.database_url = database_url
        self.topics = topics
        self.batch_size = batch_size
        self.linger = linger
        self.limits = limits

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Project until ``stop`` is set, riding out PostgreSQL restarts with backoff: a
        batch not committed is read again from the stored offsets."""
        stop = stop or asyncio.Event()
        await retrying(lambda: self._run_once(stop), "projecting")

    async def _run_once(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.database_url)
        try:
            # One projector per database: a second one (or a rebuild) waits here.
            await hold_projector_lock(conn)
            await migrate(conn)
            await self._consume(conn, stop.is_set)
        finally:
            await conn.close()

    async def _consume(self, conn: asyncpg.Connection, done: Callable[[], bool],
                       until: dict[tuple[str, int], int] | None = None) -> int:
        """Apply the log from the stored offsets until ``done()``, or until ``until`` is
        reached; returns how many records were read."""
        size = self.topics.message_bytes
        # The broker holds a fetch until it has 64 KB or the linger is up: one request for
        # many messages, not one for each few that trickle in (the broker's cost is per request).
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", max_partition_fetch_bytes=size,
                                    fetch_min_bytes=64 * 1024, fetch_max_wait_ms=int(self.linger * 1000))
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True,
                                    max_request_size=size)
        await consumer.start()
        await producer.start()
        try:
            stored = await load_offsets(conn)
            tps = [tp for t in self.topics.projected for tp in await partitions_of(consumer, t)]
            consumer.assign(tps)
            for tp in tps:
                offset = stored.get((tp.topic, tp.partition))
                if offset is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, offset)
            log.info("projector started", partitions=len(tps), resumed=len(stored))
            position = dict(stored)
            count = 0
            # One batch is written while the next is read and decoded: PostgreSQL and this
            # process work at once. Batches still commit one after the other, in log order.
            writing: asyncio.Task[None] | None = None
            try:
                while not done():
                    if writing is None and until is not None and all(
                            position.get(k, 0) >= end for k, end in until.items()):
                        return count
                    messages = await self._fill(consumer)
                    read = [to_record(m, self.topics, self.limits) for m in messages]
                    if writing is not None:
                        await writing
                        writing = None
                    if read:
                        count += len(read)
                        writing = asyncio.create_task(self._write(conn, producer, messages, read, position))
                if writing is not None:
                    await writing
                    writing = None
                return count
            finally:
                if writing is not None:  # stopped by an error: the batch is read again on restart
                    writing.cancel()
                    with contextlib.suppress(BaseException):
                        await writing
        finally:
            await producer.stop()
            await consumer.stop()

    async def _write(self, conn: asyncpg.Connection, producer: AIOKafkaProducer, messages: list[Any],
                     read: list[tuple[LogRecord, DeadLetter | None]], position: dict[tuple[str, int], int]) -> None:
        """Dead letters first, then the rows with the offsets that skip their messages, in
        one transaction; ``position`` moves once that is committed."""
        records = [record for record, _ in read]
        letters = [letter for _, letter in read if letter]
        await send_letters(producer, self.topics.deadletter, letters)
        metrics.DEAD_LETTERS.labels(stage="project").inc(len(letters))
        await self._apply(conn, producer, messages, records)
        for r in records:
            position[(r.topic, r.partition)] = max(position.get((r.topic, r.partition), 0), r.offset + 1)
        for topic, count in Counter(r.topic for r in records).items():
            metrics.PROJECTED.labels(topic=topic).inc(count)
        metrics.PROJECTION_DELAY.observe(max(0.0, time.time() - min(r.timestamp for r in records).timestamp()))

    async def _fill(self, consumer: AIOKafkaConsumer) -> list[Any]:
        """The next batch: what the log has, topped up for up to ``linger`` seconds while
        more arrives. Messages that trickle in would otherwise make a transaction each few,
        and PostgreSQL's cost is per transaction and statement far more than per row."""
        fetched = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
        messages = [m for msgs in fetched.values() for m in msgs]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.linger
        while messages and len(messages) < self.batch_size and (left := deadline - loop.time()) > 0:
            fetched = await consumer.getmany(timeout_ms=max(1, int(left * 1000)),
                                             max_records=self.batch_size - len(messages))
            if not fetched:
                break
            messages += [m for msgs in fetched.values() for m in msgs]
        return messages

    async def _apply(self, conn: asyncpg.Connection, producer: AIOKafkaProducer, messages: list[Any],
                     records: list[LogRecord]) -> None:
        """Apply the batch; a record whose rows PostgreSQL refuses is dead-lettered and the
        batch applied again without it, its offset still moving."""
        while True:
            try:
                await apply_batch(conn, records)
                return
            except RowRefused as refused:
                i = records.index(refused.record)
                await send_letters(producer, self.topics.deadletter,
                                   [letter_for(messages[i], "project", refused.reason,
                                               self.limits.max_article_bytes)])
                metrics.DEAD_LETTERS.labels(stage="project").inc()
                records[i] = dataclasses.replace(records[i], event=None)

    async def rebuild(self) -> Rebuilt:
        """Re-read the log from the beginning into a projection built beside the live one,
        then swap it in; the full checksums before and after say whether anything changed.
        The log is checked first: a broker or topic that cannot be read drops nothing. A
        running projector is disconnected and waits on the projector lock until the
        rebuild is done, then resumes from the rebuilt offsets."""
        ends = await readable_log(self.bootstrap, list(self.topics.projected))
        conn = await asyncpg.connect(self.database_url)
        try:
            await take_projector_lock(conn)
            await migrate(conn)
            before = await full_checksum(conn)
            started = time.monotonic()
            await enter_shadow(conn)
            try:
                await migrate(conn)
                events = await self._consume(conn, lambda: False, until={k: v for k, v in ends.items() if v})
            except BaseException:
                with contextlib.suppress(Exception):
                    await leave_shadow(conn)
                raise
            await swap_in_shadow(conn)
            seconds = time.monotonic() - started
            after = await full_checksum(conn)
            await release_projector_lock(conn)
            return Rebuilt(before, after, events, seconds)
        finally:
            await conn.close()

