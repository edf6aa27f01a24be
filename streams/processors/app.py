"""The faust stream processors: articles -> claims -> claim changes.

Agents are thin: the pure handlers (``streams.core.handlers``) check the input and
turn it into the events to send; the agents send them, dead-letter what the handlers
refuse, and keep the position table. Processing is at-least-once; every
output has a deterministic event id, so a redelivered input produces duplicates
that downstream drops by id. Outputs are awaited before the input is acknowledged,
so a committed input offset means its outputs are in the log.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar, cast

import faust

from schemas import Claim, ClaimExtracted, DecodeError, encode_event
from schemas.deadletter import DeadLetter
from streams import metrics
from streams.config import Settings
from streams.core.batches import BatchResult, version_batch
from streams.core.handlers import (
    LATEST,
    article_from,
    claim_events,
    claim_from,
    cloudevent_headers,
    log_time,
    position_events,
    time_refusal,
)
from streams.logs import log
from streams.processors.recovery import SeekFirstTableManager

# How many messages an agent takes at once, and how long it waits to fill a batch. The
# outputs of a batch are sent together and awaited together, before it is acknowledged.
ARTICLE_BATCH, CLAIM_BATCH, BATCH_WAIT = 20, 500, 0.1

# The changelog partition of the table write being made, and the sends of a batch's
# table writes (see PositionTable).
_PARTITION: ContextVar[int] = ContextVar("claimtrack_changelog_partition")
_SENDS: ContextVar[list[Awaitable[Any]]] = ContextVar("claimtrack_changelog_sends")


class PositionTable(faust.Table):
    """The position table, written after a batch's outputs are in the log. faust picks a
    key's changelog partition from the event being iterated, which a batch does not
    have; each write goes to the partition of the claim behind it instead, which is the
    partition that recovers it. Each write's send is kept, to be awaited: faust hands
    table writes to a buffer whose flush before a commit gives up after 0.1 s without a
    send, so a commit could otherwise pass a batch whose state is not in the changelog."""

    def partition_for_key(self, key: Any) -> int | None:
        return _PARTITION.get()

    def send_changelog(self, *args: Any, **kwargs: Any) -> Any:
        sent = super().send_changelog(*args, **kwargs)
        if (sends := _SENDS.get(None)) is not None:
            sends.append(sent)
        return sent


def batches(stream: faust.StreamT, size: int) -> AsyncIterator[Sequence[faust.EventT]]:
    """The stream's events, up to ``size`` at a time; faust acknowledges a batch when
    the loop over it moves on, so what the loop awaits is in the log before that."""
    return cast(faust.Stream, stream).take_events(size, within=BATCH_WAIT)


def _ms(event: Any) -> int:
    """The message's log time in milliseconds (faust gives seconds)."""
    return round(event.message.timestamp * 1000)


def _one(read: Callable[[str], Any], claim: Claim, partition: int) -> Callable[[datetime], BatchResult]:
    """A batch of one claim, for ``handle`` (which passes the log time, not needed here)."""
    return lambda _at: version_batch(read, [(claim, partition)])


T = TypeVar("T")


TABLE = "positions"


def changelog_topic(settings: Settings) -> str:
    return f"{settings.app_id}-{TABLE}-changelog"


def create_app(settings: Settings, bootstrap: str) -> faust.App:
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",  # tables are rebuilt from their changelog topics on start
        datadir=str(settings.home / "faust"),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        web_enabled=False,
        table_standby_replicas=0,
        consumer_group_instance_id=settings.group_instance_id,
        TableManager=SeekFirstTableManager,
        Table=PositionTable,
        consumer_max_fetch_size=settings.topics.message_bytes,
        producer_max_request_size=settings.topics.message_bytes,
        producer_compression_type=settings.compression_type,
        # A batch of outputs goes out as a few large requests, not one per message: the
        # broker's cost is per request, and a larger batch compresses better.
        producer_linger=0.01,
        producer_max_batch_size=512 * 1024,
    )
    t = settings.topics
    def raw_topic(name: str) -> faust.TopicT:  # bytes in, bytes out: the schemas package decodes
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                         partitions=settings.partitions)

    articles, claims, changes, deadletter = (raw_topic(n) for n in (t.articles, t.claims, t.changes, t.deadletter))
    positions = app.Table(TABLE, default=None, partitions=settings.partitions)  # JSON keys and values

    async def dead_letter(event: Any, stage: str, reason: str) -> None:
        msg = event.message
        letter = DeadLetter.of(reason=reason, stage=stage, topic=msg.topic, partition=msg.partition,
                               offset=msg.offset, key=msg.key, value=msg.value,
                               at=log_time(_ms(event)) or LATEST, keep_bytes=settings.max_article_bytes)
        log.warning("dead-lettered", stage=stage, topic=msg.topic, partition=msg.partition,
                    offset=msg.offset, reason=letter.reason[:300])
        await (await deadletter.send(key=letter.original_key(), value=letter.model_dump_json().encode()))
        metrics.DEAD_LETTERS.labels(stage=stage).inc()

    async def handle(event: Any, stage: str, work: Callable[[datetime], T]) -> T | None:
        """``work`` done on one message at its log time, or None when the message is
        dead-lettered: no input, whatever it holds, may stop its partition."""
        at = log_time(_ms(event))
        if at is None:
            reason = time_refusal(_ms(event)) or ""
        else:
            try:
                return work(at)
            except DecodeError as exc:
                reason = str(exc)
            except Exception as exc:
                reason = f"{stage} failed: {type(exc).__name__}: {exc}"
        await dead_letter(event, stage, reason)
        return None

    @app.agent(articles)
    async def extract_articles(stream: faust.StreamT) -> None:
        def extract(value: bytes | None) -> Callable[[datetime], list[ClaimExtracted]]:
            return lambda at: claim_events(article_from(value, settings.max_article_bytes, settings.date_window, at),
                                           at)

        async for batch in batches(stream, ARTICLE_BATCH):
            sent: list[Awaitable[Any]] = []
            for event in batch:
                for out in await handle(event, "extract", extract(event.value)) or []:
                    sent.append(await claims.send(key=out.data.actor_id.encode(), value=encode_event(out)))
            for fut in sent:  # the batch is acknowledged once this loop is done
                await fut
            metrics.ARTICLES.inc(len(batch))
            metrics.CLAIMS.inc(len(sent))

    def decode(value: bytes | None) -> Callable[[datetime], tuple[Claim, datetime]]:
        return lambda at: (claim_from(value, settings.date_window, at).data, at)

    async def keep(result: BatchResult, times: Sequence[datetime]) -> None:
        """Sends what the applied claims changed, awaits it, then writes the table and
        awaits that: the state moves only once its events are in the log, so a crash in
        between re-derives the same events (same ids) instead of losing them; and the
        batch is acknowledged only once the state is in the changelog, so no commit
        passes claims that a restarted or reassigned owner would recover without."""
        sent: list[Awaitable[Any]] = []
        kinds: list[str] = []
        for a in result.applied:
            for out in position_events(a.outcome, times[a.index]):  # transaction time from the log
                sent.append(await changes.send(key=a.key.encode(), value=encode_event(out),
                                               headers=cloudevent_headers(out, a.key)))
                kinds.append(out.event_type)
        for fut in sent:
            await fut
        for kind in kinds:
            metrics.CHANGES.labels(event_type=kind).inc()
        table_sends: list[Awaitable[Any]] = []
        _SENDS.set(table_sends)
        for write in result.writes:
            _PARTITION.set(write.partition)
            positions[write.key] = write.value
        for fut in table_sends:  # the state is in the changelog before the batch is acknowledged
            await fut

    @app.agent(claims)
    async def version_claims(stream: faust.StreamT) -> None:
        async for events in batches(stream, CLAIM_BATCH):
            inputs = [(event, decoded) for event in events
                      if (decoded := await handle(event, "version", decode(event.value))) is not None]
            times = [at for _, (_, at) in inputs]
            try:
                result = version_batch(positions.get, [(claim, e.message.partition) for e, (claim, _) in inputs])
            except Exception:
                # A claim that versioning fails on must not stop its partition: one at a
                # time, that claim is dead-lettered and the others are kept.
                for event, (claim, at) in inputs:
                    one = await handle(event, "version", _one(positions.get, claim, event.message.partition))
                    if one is not None:
                        await keep(one, [at])
                continue
            await keep(result, times)

    app.extract_articles = extract_articles  # type: ignore[attr-defined]
    app.version_claims = version_claims  # type: ignore[attr-defined]
    return app
