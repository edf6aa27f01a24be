import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Request

from api.deps import ActorFilter, Connection, Pages, place_or_422
from api.log import LogSource
from api.models import Page, Problem, VersionOut
from schemas.events import Topic
from schemas.place import Place
from storage import queries

router = APIRouter(tags=["positions"])


def _versions(rows: list[queries.VersionRow]) -> list[VersionOut]:
    return [VersionOut.model_validate(r) for r in rows]


@router.get("/positions")
async def positions(conn: Connection, paging: Pages) -> Page[VersionOut]:
    """Every actor's current version on each topic (as `claimtrack positions`)."""
    return paging.page(_versions(await queries.current_positions(conn, paging.limit, paging.offset)))


WAIT_SECONDS = 10.0  # the longest /history waits for the projection to reach ``after``


async def _projected(conn: asyncpg.Connection, topic: str, place: Place) -> bool:
    """Whether the projection takes the claim changes up to ``place``, waiting a while."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        done = await queries.projected_offsets(conn, topic)
        if all(done.get(p, 0) >= offset for p, offset in place.items()):
            return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)


@router.get("/history", responses={404: {"model": Problem}, 503: {"model": Problem}})
async def history(
    request: Request,
    conn: Connection,
    paging: Pages,
    actor_id: ActorFilter,
    topic: Annotated[Topic | None, Query(description="A topic; all when omitted.")] = None,
    as_of: Annotated[date | None, Query(description="Only the version valid on this day.")] = None,
    known_at: Annotated[datetime | None, Query(
        description="As the service believed it at this time (UTC when no zone is given).")] = None,
    after: Annotated[str | None, Query(
        description="An /events id: answer once the projection has applied the claim changes up to it "
        f"(read your own changes; waits up to {WAIT_SECONDS:.0f} s, then 503).")] = None,
) -> Page[VersionOut]:
    """Position histories (as `claimtrack history`): versions as believed now, or at `known_at`."""
    if after is not None:
        place = place_or_422(after, ["query", "after"])
        log: LogSource = request.app.state.log
        if not await _projected(conn, log.changes_topic, place):
            raise HTTPException(status_code=503, detail=f"the projection has not reached {after} yet")
    believed = known_at if known_at is None or known_at.tzinfo else known_at.replace(tzinfo=UTC)
    rows = await queries.history(conn, actor_id, topic.value if topic else None, as_of, believed,
                                 paging.limit, paging.offset)
    return paging.page(_versions(rows))
