"""The replay producer: one ArticlePublished per article, keyed by article id."""

import asyncio
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import CorruptRecordException, InvalidTopicError, MessageSizeTooLargeError, RecordTooLargeError

from schemas import Article, encode_event
from streams.core.corpus import Failure
from streams.core.handlers import article_event, size_refusal


class Order(StrEnum):
    FILE = "file"
    PUBLISHED = "published"
    SHUFFLE = "shuffle"


def arrange(articles: list[Article], order: Order, seed: int | None = None) -> list[Article]:
    """Articles in replay order; undated ones last when ordering by publication."""
    if order is Order.PUBLISHED:
        return sorted(articles, key=lambda a: (a.published_at is None, a.published_at or date.min, a.source))
    if order is Order.SHUFFLE:
        shuffled = list(articles)
        random.Random(seed).shuffle(shuffled)
        return shuffled
    return list(articles)


@dataclass
class ReplayResult:
    produced: int = 0
    failures: list[Failure] = field(default_factory=list)
    # file -> (sent, refused): a .jsonl source "corpus.jsonl:12" counts for corpus.jsonl
    by_file: dict[str, list[int]] = field(default_factory=dict)

    def merge(self, other: "ReplayResult") -> None:
        self.produced += other.produced
        self.failures.extend(other.failures)
        for name, (sent, refused) in other.by_file.items():
            tally = self.by_file.setdefault(name, [0, 0])
            tally[0] += sent
            tally[1] += refused

    def count(self, source: str, sent: bool) -> None:
        tally = self.by_file.setdefault(file_of(source), [0, 0])
        tally[0 if sent else 1] += 1


def file_of(source: str) -> str:
    """The file an article came from: a .jsonl line's source names its line too."""
    name, _, line = source.rpartition(":")
    return name if line.isdigit() and name.endswith(".jsonl") else source


# Errors that are the message's own (the broker takes others): the article is refused
# and the replay goes on. Anything else (the broker is gone) stops the replay.
_REFUSED = (MessageSizeTooLargeError, RecordTooLargeError, InvalidTopicError, CorruptRecordException)


async def replay(
    bootstrap: str,
    topic: str,
    articles: Iterable[Article],
    max_bytes: int,
    message_bytes: int,
    on_progress: Callable[[Article | Failure], None] = lambda _: None,
    compression: str | None = None,
) -> ReplayResult:
    """Send each article, refusing (with its file named) what is over the shared limit
    or what the broker refuses, and go on; every sent article is acknowledged before
    the replay reports it."""
    result = ReplayResult()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                linger_ms=5, max_request_size=message_bytes, compression_type=compression)
    await producer.start()
    try:
        pending: list[tuple[Article, asyncio.Future[Any]]] = []
        for article in articles:
            value = encode_event(article_event(article, datetime.now(UTC)))
            if reason := size_refusal(len(value), max_bytes):
                refuse(result, Failure(article.source, reason), on_progress)
                continue
            pending.append((article, await producer.send(topic, key=article.article_id.encode(), value=value)))
        for article, fut in pending:
            try:
                await fut
            except _REFUSED as exc:
                refuse(result, Failure(article.source, f"the broker refused it: {type(exc).__name__}"), on_progress)
                continue
            result.produced += 1
            result.count(article.source, sent=True)
            on_progress(article)
    finally:
        await producer.stop()
    return result


def refuse(result: ReplayResult, failure: Failure, on_progress: Callable[[Article | Failure], None]) -> None:
    result.failures.append(failure)
    result.count(failure.source, sent=False)
    on_progress(failure)
