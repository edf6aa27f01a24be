"""The dead-letter topic: listing what was refused, and re-submitting it after a fix."""

from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from schemas.deadletter import DeadLetter
from streams.clients.admin import end_offsets


async def read_letters(bootstrap: str, topic: str, group: str | None = None) -> list[tuple[TopicPartition, int,
                                                                                            DeadLetter]]:
    """Every dead letter up to the topic's current end (after the group's offsets, if a group is given)."""
    ends = {k: v for k, v in (await end_offsets(bootstrap, [topic])).items() if v}
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    letters = []
    try:
        reached: dict[tuple[str, int], int] = {}
        while ends:
            for tp in consumer.assignment():
                reached[(tp.topic, tp.partition)] = await consumer.position(tp)
            if all(reached.get(k, 0) >= end for k, end in ends.items()):
                break
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, messages in batch.items():
                for message in messages:
                    try:
                        letters.append((tp, message.offset, DeadLetter.model_validate_json(message.value)))
                    except ValidationError:
                        continue  # not ours: nothing to list or replay
    finally:
        await consumer.stop()
    return letters


async def replay_letters(bootstrap: str, topic: str, group: str, report: Callable[[DeadLetter], None]) -> int:
    """Send each dead letter's original bytes back to its source topic, once: the group's
    offsets remember which were re-submitted."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await consumer.start()
    await producer.start()
    sent = 0
    try:
        ends = {k: v for k, v in (await end_offsets(bootstrap, [topic])).items() if v}
        while True:
            positions = {(tp.topic, tp.partition): await consumer.position(tp) for tp in consumer.assignment()}
            if consumer.assignment() and all(positions.get(k, 0) >= end for k, end in ends.items()):
                break
            batch = await consumer.getmany(timeout_ms=1000)
            if not batch and not ends:
                break
            for tp, messages in batch.items():
                for message in messages:
                    try:
                        letter = DeadLetter.model_validate_json(message.value)
                    except ValidationError:
                        continue
                    await producer.send_and_wait(letter.source_topic, key=letter.original_key(),
                                                 value=letter.original_value())
                    report(letter)
                    sent += 1
                await consumer.commit({tp: messages[-1].offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return sent
