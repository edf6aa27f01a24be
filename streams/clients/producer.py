"""The replay producer: one ArticlePublished per article, keyed by article id."""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum

from aiokafka import AIOKafkaProducer

from schemas import Article, ArticlePublished, encode_event
from streams.core.corpus import Failure


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


def article_event(article: Article, now: datetime) -> ArticlePublished:
    occurred = datetime.combine(article.published_at, time(), UTC) if article.published_at else None
    return ArticlePublished.create(article, occurred_at=occurred, produced_at=now)


@dataclass
class ReplayResult:
    produced: int = 0
    failures: list[Failure] = field(default_factory=list)


async def replay(
    bootstrap: str,
    topic: str,
    articles: Iterable[Article],
    max_bytes: int,
    on_progress: Callable[[Article | Failure], None] = lambda _: None,
) -> ReplayResult:
    result = ReplayResult()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all",
                                linger_ms=5, max_request_size=max(max_bytes * 2, 1_048_576))
    await producer.start()
    try:
        pending = []
        for article in articles:
            value = encode_event(article_event(article, datetime.now(UTC)))
            if len(value) > max_bytes:
                failure = Failure(article.source, f"article of {len(value)} bytes exceeds the {max_bytes} limit")
                result.failures.append(failure)
                on_progress(failure)
                continue
            pending.append(await producer.send(topic, key=article.article_id.encode(), value=value))
            result.produced += 1
            on_progress(article)
        for fut in pending:
            await fut  # every article acknowledged before the replay reports it produced
    finally:
        await producer.stop()
    return result
