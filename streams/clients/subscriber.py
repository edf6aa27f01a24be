"""A downstream consumer of claim-change events with its own consumer group, so a
restart resumes after the last event it printed."""

import asyncio
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas import PositionChanged, PositionCorroborated, PositionEvent, PositionRevised
from streams.clients.deadletters import decode_or_reason, letter_for, send_letters


def describe(event: PositionEvent) -> str:
    """One line a person can read."""
    if isinstance(event, PositionRevised):
        r = event.data
        history = ", ".join(f"v{v.version} {v.stance.value} from {v.valid_from}" for v in r.versions)
        replaced = ", ".join(f"v{n}" for n in r.replaces)
        return f"{r.actor_name} on {r.topic.value}: history revised (replaces {replaced}): {history}"
    v = event.data
    if isinstance(event, PositionCorroborated):
        return f"{v.actor_name} on {v.topic.value}: v{v.version} {v.stance.value} now backed by {v.reports} report(s)"
    was = v.previous_stance.value if v.previous_stance else "no position"
    return f"{v.actor_name} on {v.topic.value}: {was} -> {v.stance.value} from {v.valid_from} (v{v.version})"


def wanted(event: PositionEvent, actor: str | None, topic: str | None) -> bool:
    return (actor is None or event.data.actor_id == actor) and (topic is None or event.data.topic.value == topic)


async def subscribe(
    bootstrap: str,
    changes_topic: str,
    group: str,
    write: Callable[[str], None],
    actor: str | None = None,
    topic: str | None = None,
    from_beginning: bool = False,
    as_json: bool = False,
    idle_timeout: float | None = None,
    instance: str | None = None,
    deadletter_topic: str | None = None,
) -> int:
    """Print matching events as they arrive; returns how many were printed.

    Offsets are committed after each printed batch, so a restart goes on after it.
    ``from_beginning`` starts a group that has no committed offset at the start of
    the topic (otherwise at its end). ``idle_timeout`` stops after that many quiet seconds.
    ``instance`` makes the subscriber a static group member: restarted after a kill,
    it takes the old member's place instead of waiting for the broker to expire it.
    An event it cannot decode goes to ``deadletter_topic`` (stage ``subscribe:<group>``)
    before the offset that passes it is committed.
    """
    consumer = AIOKafkaConsumer(changes_topic, bootstrap_servers=bootstrap, group_id=group,
                                group_instance_id=instance, enable_auto_commit=False,
                                auto_offset_reset="earliest" if from_beginning else "latest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    printed = 0
    loop = asyncio.get_running_loop()
    last = loop.time()
    try:
        while idle_timeout is None or loop.time() - last < idle_timeout:
            batch = await consumer.getmany(timeout_ms=500)
            if not batch:
                continue
            last = loop.time()
            offsets: dict[TopicPartition, int] = {}
            letters = []
            for tp, messages in batch.items():
                for message in messages:
                    offsets[tp] = message.offset + 1
                    event, reason = decode_or_reason(message.value)
                    if reason is not None:
                        letters.append(letter_for(message, f"subscribe:{group}", reason))
                    elif isinstance(event, PositionChanged | PositionRevised | PositionCorroborated) and wanted(
                        event, actor, topic
                    ):
                        write(event.model_dump_json() if as_json else describe(event))
                        printed += 1
            if deadletter_topic is not None:
                await send_letters(producer, deadletter_topic, letters)
            await consumer.commit(offsets)
    finally:
        await producer.stop()
        await consumer.stop()
    return printed
