"""The log's side of the pipeline's progress: the processors' committed offsets, the
ends of the topics, and how long the oldest message the projection has not taken has
waited. The projection's own offsets come from PostgreSQL, read by the caller."""

import asyncio
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas.progress import LogProgress, PartitionProgress
from streams.clients.admin import committed_offsets, end_offsets
from streams.config import Topics
from streams.core.handlers import log_time

Offsets = dict[tuple[str, int], int]


async def log_progress(bootstrap: str, topics: Topics, group: str, projected: Offsets,
                       with_delay: bool = True) -> LogProgress:
    """Reads the processors' progress before the ends: progress can only trail the ends, so
    a reading of no lag means everything produced before it has been processed (and,
    ``projected`` being read before this call, projected). ``with_delay`` also reads the
    oldest unprojected message's log time (a fetch per lagging partition)."""
    processed = [topics.articles, topics.claims]
    committed = await committed_offsets(bootstrap, group, processed)
    ends = await end_offsets(bootstrap, [*topics.projected, topics.deadletter])
    rows = [PartitionProgress(reader="processors", topic=t, partition=p, done=done, end=ends.get((t, p), done))
            for (t, p), done in sorted(committed.items())]
    rows += [PartitionProgress(reader="projection", topic=t, partition=p, done=projected.get((t, p), 0), end=end)
             for (t, p), end in sorted(ends.items()) if t != topics.deadletter]
    waiting = {TopicPartition(r.topic, r.partition): r.done for r in rows if r.reader == "projection" and r.lag}
    oldest = await _oldest(bootstrap, waiting) if with_delay else None
    return LogProgress(partitions=tuple(rows), oldest_unprojected=oldest,
                       dead_letters=sum(end for (t, _), end in ends.items() if t == topics.deadletter))


async def _oldest(bootstrap: str, at: dict[TopicPartition, int], timeout: float = 5.0) -> datetime | None:
    """The earliest log time among the messages at these offsets (None for none)."""
    if not at:
        return None
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=64 * 1024)
    await consumer.start()
    try:
        consumer.assign(list(at))
        for tp, offset in at.items():
            consumer.seek(tp, offset)
        times: dict[TopicPartition, datetime] = {}
        deadline = asyncio.get_running_loop().time() + timeout
        while len(times) < len(at) and asyncio.get_running_loop().time() < deadline:
            for tp, messages in (await consumer.getmany(*(tp for tp in at if tp not in times), timeout_ms=500,
                                                        max_records=1)).items():
                if messages and (t := log_time(messages[0].timestamp)) is not None:
                    times[tp] = t
        return min(times.values(), default=None)
    finally:
        await consumer.stop()
