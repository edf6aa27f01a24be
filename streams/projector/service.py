"""The projector: reads the log and keeps the PostgreSQL projection, resuming from
the offsets stored in PostgreSQL (not Kafka's committed ones)."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.deadletter import DeadLetter
from storage.checksum import full_checksum
from storage.locks import hold_projector_lock, release_projector_lock, take_projector_lock
from storage.migrate import drop_projection, migrate
from storage.projection import LogRecord, apply_batch, load_offsets
from storage.retry import retrying
from streams.clients.admin import end_offsets, partitions_of
from streams.clients.deadletters import decode_or_reason, letter_for, send_letters
from streams.config import Topics
from streams.logs import log


def to_record(msg: Any, topics: Topics) -> tuple[LogRecord, DeadLetter | None]:
    """The record the projection applies, and the dead letter of a message it cannot take
    (undecodable, or an event of a type that does not belong on its topic): that record
    carries no event, so only its offset moves. On the topics that the stream processors
    check, their stage has dead-lettered it already."""
    timestamp = datetime.fromtimestamp(msg.timestamp / 1000, UTC)
    event, reason = decode_or_reason(msg.value)
    if event is not None and event.event_type not in topics.carries(msg.topic):
        reason = f"a {event.event_type} on {msg.topic}, which carries {', '.join(topics.carries(msg.topic))} only"
        event = None
    letter = None
    if reason is not None and msg.topic not in topics.checked_upstream:
        letter = letter_for(msg, "project", reason)
    elif reason is not None:
        log.info("projector passed an event its processor refused", topic=msg.topic, partition=msg.partition,
                 offset=msg.offset, reason=reason)
    return LogRecord(msg.topic, msg.partition, msg.offset, timestamp, event), letter


class Projector:
    def __init__(self, bootstrap: str, database_url: str, topics: Topics, batch_size: int = 500) -> None:
        self.bootstrap = bootstrap
        self.database_url = database_url
        self.topics = topics
        self.batch_size = batch_size

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
                       until: dict[tuple[str, int], int] | None = None) -> None:
        """Apply the log from the stored offsets until ``done()``, or until ``until`` is reached."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True)
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
            while not done():
                if until is not None and all(position.get(k, 0) >= end for k, end in until.items()):
                    return
                batch = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                read = [to_record(m, self.topics) for msgs in batch.values() for m in msgs]
                records = [record for record, _ in read]
                if records:
                    # Dead letters first: the offsets that skip their messages commit with the rows.
                    await send_letters(producer, self.topics.deadletter, [letter for _, letter in read if letter])
                    await apply_batch(conn, records)
                    for r in records:
                        position[(r.topic, r.partition)] = max(position.get((r.topic, r.partition), 0), r.offset + 1)
        finally:
            await producer.stop()
            await consumer.stop()

    async def rebuild(self) -> tuple[str, str]:
        """Drop the projection and re-read the log from the beginning; returns the full
        checksum before and after. A running projector is disconnected and waits on the
        projector lock until the rebuild is done, then resumes from the rebuilt offsets."""
        conn = await asyncpg.connect(self.database_url)
        try:
            await take_projector_lock(conn)
            await migrate(conn)
            before = await full_checksum(conn)
            await drop_projection(conn)
            await migrate(conn)
            ends = await end_offsets(self.bootstrap, list(self.topics.projected))
            await self._consume(conn, lambda: False, until={k: v for k, v in ends.items() if v})
            after = await full_checksum(conn)
            await release_projector_lock(conn)
            return before, after
        finally:
            await conn.close()
