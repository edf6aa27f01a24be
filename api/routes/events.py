"""GET /events: claim changes as Server-Sent Events, resumable with Last-Event-ID."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.deps import actor_id_of, place_or_422
from api.log import LogSource
from api.models import Problem
from schemas import PositionEvent
from schemas.events import Topic
from schemas.place import Gap

router = APIRouter(tags=["claim changes"])

PING_SECONDS = 15  # a comment line this often keeps proxies from closing a quiet stream
START_TIMEOUT = 15.0


@router.get("/events", response_class=EventSourceResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "One SSE event per claim change: `event` is its type, `data` the event "
                             "as JSON (schemas/json), `id` its place in the log. An event `gap` says that "
                             "changes asked for are older than the log keeps (see docs/consumers.md)."},
                       404: {"model": Problem}, 503: {"model": Problem}})
async def events(
    request: Request,
    actor: Annotated[str | None, Query(description="Actor id, name or alias; all when omitted.")] = None,
    topic: Annotated[Topic | None, Query(description="A topic; all when omitted.")] = None,
    after: Annotated[str | None, Query(description="Resume after this place in the log (an event's `id`), "
                                       "for clients that cannot send Last-Event-ID.")] = None,
    last_event_id: Annotated[str | None, Header(description="Resume after this event: what EventSource "
                                                "sends when it reconnects.")] = None,
) -> EventSourceResponse:
    """Claim changes (PositionChanged, PositionRevised, PositionCorroborated) as they reach
    the log, from now on; with `Last-Event-ID` (or `after`), every change after that
    event, once each, then on. Where that event is older than the log keeps, a `gap`
    event first says which changes are lost."""
    log: LogSource = request.app.state.log
    place = last_event_id or after
    if place is not None:  # what is wrong with the request is said before whether the log answers
        place_or_422(place, ["header", "Last-Event-ID"] if last_event_id else ["query", "after"])
    actor_id = None
    if actor is not None:
        async with request.app.state.pool.acquire() as conn:  # not held for the stream's life
            actor_id = await actor_id_of(request, conn, actor)
    try:
        await asyncio.wait_for(log.start_feed(), START_TIMEOUT)
    except Exception as exc:
        raise HTTPException(status_code=503, detail=f"the log cannot be read: {type(exc).__name__}: {exc}") from exc
    changes = log.follow(place)

    def wanted(event: PositionEvent) -> bool:
        return (actor_id is None or event.data.actor_id == actor_id) and (topic is None or event.data.topic == topic)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async for at, change in changes:
            if isinstance(change, Gap):  # to every client, filtered or not: its changes may be among those lost
                yield ServerSentEvent(data=change.model_dump_json(), event="gap", id=at)
            elif wanted(change):
                yield ServerSentEvent(data=change.model_dump_json(), event=change.event_type, id=at)
            else:
                # An id without data moves the client's Last-Event-ID past a change it does not
                # want (EventSource dispatches nothing for it), so resuming does not read it again.
                yield ServerSentEvent(id=at)

    return EventSourceResponse(stream(), ping=PING_SECONDS)
