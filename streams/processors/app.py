"""The faust stream processors: articles -> claims -> claim changes.

Agents are thin: the pure handlers (``streams.core.handlers``) check the input and
turn it into the events to send; the agents send them, dead-letter what the handlers
refuse, and keep the position table. Processing is at-least-once; every
output has a deterministic event id, so a redelivered input produces duplicates
that downstream drops by id. Outputs are awaited before the input is acknowledged,
so a committed input offset means its outputs are in the log.
"""

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

import faust

from schemas import DecodeError, encode_event
from schemas.deadletter import DeadLetter
from schemas.events import TRACKED_TOPICS
from streams.config import Settings
from streams.core.handlers import article_from, claim_events, claim_from, cloudevent_headers, position_events
from streams.core.versioning import Position, apply_claim, position_key
from streams.logs import log
from streams.processors.recovery import SeekFirstTableManager


def _message_time(event: Any) -> datetime:
    return datetime.fromtimestamp(event.message.timestamp, UTC)


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
        consumer_max_fetch_size=settings.topics.message_bytes,
        producer_max_request_size=settings.topics.message_bytes,
    )
    t = settings.topics
    def raw_topic(name: str) -> faust.TopicT:  # bytes in, bytes out: the schemas package decodes
        return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                         partitions=settings.partitions)

    articles, claims, changes, deadletter = (raw_topic(n) for n in (t.articles, t.claims, t.changes, t.deadletter))
    positions = app.Table("positions", default=None, partitions=settings.partitions)  # JSON keys and values

    async def dead_letter(event: Any, stage: str, reason: str) -> None:
        msg = event.message
        letter = DeadLetter(
            reason=reason, stage=stage, source_topic=msg.topic, partition=msg.partition, offset=msg.offset,
            key=DeadLetter.b64(msg.key), value=DeadLetter.b64(msg.value) or "",
            dead_lettered_at=_message_time(event),
        )
        log.warning("dead-lettered", stage=stage, topic=msg.topic, partition=msg.partition,
                    offset=msg.offset, reason=reason)
        await (await deadletter.send(key=msg.key, value=letter.model_dump_json().encode()))

    @app.agent(articles)
    async def extract_articles(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                published = article_from(event.value, settings.max_article_bytes, settings.date_window,
                                         _message_time(event))
            except DecodeError as exc:
                await dead_letter(event, "extract", str(exc))
                continue
            try:
                found = claim_events(published, _message_time(event))
            except Exception as exc:  # one bad article must not stop its partition
                await dead_letter(event, "extract", f"extraction failed: {type(exc).__name__}: {exc}")
                continue
            sent: list[Awaitable[Any]] = []
            for out in found:
                sent.append(await claims.send(key=out.data.actor_id.encode(), value=encode_event(out)))
            for fut in sent:
                await fut

    @app.agent(claims)
    async def version_claims(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                claim = claim_from(event.value, settings.date_window, _message_time(event)).data
            except DecodeError as exc:
                await dead_letter(event, "version", str(exc))
                continue
            if claim.topic not in TRACKED_TOPICS:
                continue
            key = position_key(claim.actor_id, claim.topic.value)
            stored = positions.get(key)
            before = Position.model_validate(stored) if stored else None
            outcome = apply_claim(before, claim)
            sent: list[Awaitable[Any]] = []
            # Transaction time comes from the log, so re-runs agree.
            for out in position_events(outcome, _message_time(event)):
                sent.append(await changes.send(key=key.encode(), value=encode_event(out),
                                               headers=cloudevent_headers(out, key)))
            for fut in sent:
                await fut
            # The state moves only once its events are in the log: a crash in between
            # re-derives the same events (same ids) instead of losing them.
            if outcome.position is not None and outcome.position != before:
                positions[key] = outcome.position.model_dump(mode="json")

    app.extract_articles = extract_articles  # type: ignore[attr-defined]
    app.version_claims = version_claims  # type: ignore[attr-defined]
    return app
