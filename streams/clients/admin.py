"""Topic creation and offset inspection: the thin Kafka edge the other modules share."""

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    CoordinatorLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    KafkaError,
    NotCoordinatorForGroupError,
    TopicAlreadyExistsError,
)


async def ensure_topics(bootstrap: str, names: list[str], partitions: int, message_bytes: int,
                        compacted: bool = False) -> None:
    """Create the topics that do not exist yet (one replica: a local or test broker), each
    configured to carry messages of ``message_bytes``, whatever the broker's default."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        configs = {"max.message.bytes": str(message_bytes)}
        if compacted:
            configs["cleanup.policy"] = "compact"
        missing = [NewTopic(n, num_partitions=partitions, replication_factor=1, topic_configs=configs)
                   for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


class LogUnreadable(RuntimeError):
    """The log cannot be read: the broker is unreachable or a topic is missing."""


async def readable_log(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """The end offsets of ``topics``, once it is known that every one of them exists and
    can be read; LogUnreadable says which broker or topic failed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    try:
        await admin.start()
    except KafkaError as exc:
        raise LogUnreadable(f"cannot reach the Kafka broker at {bootstrap}: {type(exc).__name__}") from None
    try:
        missing = sorted(set(topics) - set(await admin.list_topics()))
    finally:
        await admin.close()
    if missing:
        raise LogUnreadable(f"the broker at {bootstrap} has no topic {', '.join(missing)}")
    return await end_offsets(bootstrap, topics)


async def partitions_of(consumer: AIOKafkaConsumer, topic: str, timeout: float = 30.0) -> list[TopicPartition]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in sorted(parts)]
        if asyncio.get_running_loop().time() > deadline:
            raise KafkaError(f"topic {topic} has no partitions")
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.2)


async def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [tp for t in topics for tp in await partitions_of(consumer, t)]
        ends = await consumer.end_offsets(tps)
        return {(tp.topic, tp.partition): off for tp, off in ends.items()}
    finally:
        await consumer.stop()


async def committed_offsets(bootstrap: str, group: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """A consumer group's committed offsets (0 where it has committed none).

    Asked through the admin API: a consumer carrying the group's id, even one that never
    subscribes, can disturb the group's members on some brokers."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
        tps = [TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]]
        try:
            stored = await admin.list_consumer_group_offsets(group, partitions=tps)
        except (GroupCoordinatorNotAvailableError, CoordinatorLoadInProgressError, NotCoordinatorForGroupError):
            # Apache Kafka creates the offsets topic on first use and answers "no coordinator"
            # until it is ready: read as nothing committed yet, which only overstates the lag.
            stored = {}
    finally:
        await admin.close()
    return {(tp.topic, tp.partition): max(0, stored[tp].offset) if tp in stored else 0 for tp in tps}


async def processor_offsets(bootstrap: str, group: str, topics: list[str]) -> dict[tuple[str, int], tuple[int, int]]:
    """Each partition's (committed offset of ``group``, end offset)."""
    done = await committed_offsets(bootstrap, group, topics)
    ends = await end_offsets(bootstrap, topics)
    return {tp: (done.get(tp, 0), end) for tp, end in ends.items()}
