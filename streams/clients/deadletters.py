"""The dead-letter topic: listing what was refused, and re-submitting it after a fix."""

from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from pydantic import ValidationError

from schemas import DecodeError, Event, decode_event
from schemas.deadletter import DeadLetter
from streams.clients.admin import end_offsets
from streams.core.handlers import LATEST, TOMBSTONE, log_time
from streams.logs import log


def decode_or_reason(value: bytes | None) -> tuple[Event | None, str | None]:
    """The event a message carries, or why it carries none."""
    if value is None:
        return None, TOMBSTONE
    try:
        return decode_event(value), None
    except DecodeError as exc:
        return None, str(exc)


def letter_for(message: Any, stage: str, reason: str, keep_bytes: int = 2_000_000) -> DeadLetter:
    """The dead letter of a message read with aiokafka (its timestamp in milliseconds): the
    same message always gives the same letter, so a letter sent twice is one in the list.
    A value over ``keep_bytes`` stays in the log only; the letter says where."""
    return DeadLetter.of(reason=reason, stage=stage, topic=message.topic, partition=message.partition,
                         offset=message.offset, key=message.key, value=message.value,
                         at=log_time(message.timestamp) or LATEST, keep_bytes=keep_bytes)


async def original_value(bootstrap: str, letter: DeadLetter) -> bytes:
    """The refused message's value, read back from its place in the log."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=64 * 1024 * 1024)
    await consumer.start()
    try:
        tp = TopicPartition(letter.source_topic, letter.partition)
        consumer.assign([tp])
        consumer.seek(tp, letter.offset)
        message = await consumer.getone()
        return message.value or b""
    finally:
        await consumer.stop()


async def send_letters(producer: AIOKafkaProducer, topic: str, letters: Sequence[DeadLetter]) -> None:
    """Send every letter and wait for the broker's acknowledgement: callers move their
    offsets only after this returns, so nothing they skip is lost."""
    for letter in letters:
        log.warning("dead-lettered", stage=letter.stage, topic=letter.source_topic, partition=letter.partition,
                    offset=letter.offset, reason=letter.reason)
        await producer.send_and_wait(topic, key=letter.original_key(), value=letter.model_dump_json().encode())


async def read_letters(bootstrap: str, topic: str, group: str | None = None) -> list[tuple[TopicPartition, int,
                                                                                            DeadLetter]]:
    """Every dead letter up to the topic's current end (after the group's offsets, if a group is given),
    each refused message once: a stage that stopped between sending a letter and moving its
    offsets sends the same letter again when it restarts."""
    ends = {k: v for k, v in (await end_offsets(bootstrap, [topic])).items() if v}
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    letters = []
    seen: set[tuple[str, str, int, int]] = set()
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
                        letter = DeadLetter.model_validate_json(message.value)
                    except ValidationError:
                        continue  # not ours: nothing to list or replay
                    place = (letter.stage, letter.source_topic, letter.partition, letter.offset)
                    if place not in seen:
                        seen.add(place)
                        letters.append((tp, message.offset, letter))
    finally:
        await consumer.stop()
    return letters


async def replay_letters(bootstrap: str, topic: str, group: str, report: Callable[[DeadLetter], None]) -> int:
    """Send each dead letter's original bytes back to its source topic, once: the group's
    offsets remember which were re-submitted."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    # The broker's topic limit is the real bound; the client's 1 MiB default is not.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                max_request_size=64 * 1024 * 1024)
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
                    value = (await original_value(bootstrap, letter) if letter.value_truncated
                             else letter.original_value())
                    await producer.send_and_wait(letter.source_topic, key=letter.original_key(), value=value)
                    report(letter)
                    sent += 1
                await consumer.commit({tp: messages[-1].offset + 1})
    finally:
        await producer.stop()
        await consumer.stop()
    return sent
