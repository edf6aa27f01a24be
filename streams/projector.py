"""The projector: reads the log and keeps the PostgreSQL projection, resuming from
the offsets stored in PostgreSQL (not Kafka's committed ones)."""

import asyncio
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer

from schemas import DecodeError, decode_event
from storage.migrate import migrate
from storage.projection import LogRecord, apply_batch, load_offsets
from streams.kafka_admin import partitions_of
from streams.logs import log

_RETRYABLE = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
              asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError)


def to_record(msg: object) -> LogRecord:
    topic, partition, offset = msg.topic, msg.partition, msg.offset  # type: ignore[attr-defined]
    timestamp = datetime.fromtimestamp(msg.timestamp / 1000, UTC)  # type: ignore[attr-defined]
    try:
        event = decode_event(msg.value)  # type: ignore[attr-defined]
    except DecodeError as exc:
        log.warning("projector skipped an undecodable event", topic=topic, partition=partition,
                    offset=offset, reason=str(exc))
        event = None
    return LogRecord(topic, partition, offset, timestamp, event)


class Projector:
    def __init__(self, bootstrap: str, database_url: str, topics: tuple[str, ...], batch_size: int = 500) -> None:
        self.bootstrap = bootstrap
        self.database_url = database_url
        self.topics = topics
        self.batch_size = batch_size

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Project until ``stop`` is set, riding out PostgreSQL restarts with backoff."""
        stop = stop or asyncio.Event()
        delay = 0.2
        while not stop.is_set():
            try:
                await self._run_once(stop)
                return
            except _RETRYABLE as exc:
                log.warning("projector lost PostgreSQL, retrying", error=str(exc), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _run_once(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.database_url)
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            await migrate(conn)
            stored = await load_offsets(conn)
            tps = [tp for t in self.topics for tp in await partitions_of(consumer, t)]
            consumer.assign(tps)
            for tp in tps:
                offset = stored.get((tp.topic, tp.partition))
                if offset is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, offset)
            log.info("projector started", partitions=len(tps), resumed=len(stored))
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=300, max_records=self.batch_size)
                records = [to_record(m) for msgs in batch.values() for m in msgs]
                if records:
                    await apply_batch(conn, records)
        finally:
            await consumer.stop()
            await conn.close()
