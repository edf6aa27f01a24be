from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.deps import Connection, Paging, actor_id_of
from api.models import Page, Problem, VersionOut
from schemas.events import Topic
from storage import queries

router = APIRouter(tags=["positions"])


def _page(rows: list[queries.VersionRow], paging: Paging) -> Page[VersionOut]:
    return Page[VersionOut](items=[VersionOut(**asdict(r)) for r in rows], limit=paging.limit, offset=paging.offset,
                            next_offset=paging.next_offset(len(rows)))


@router.get("/positions")
async def positions(conn: Connection, paging: Annotated[Paging, Depends()]) -> Page[VersionOut]:
    """Every actor's current version on each topic (as `claimtrack positions`)."""
    return _page(await queries.current_positions(conn, paging.limit, paging.offset), paging)


@router.get("/history", responses={404: {"model": Problem}})
async def history(
    request: Request,
    conn: Connection,
    paging: Annotated[Paging, Depends()],
    actor: Annotated[str | None, Query(description="Actor id, name or alias; all when omitted.")] = None,
    topic: Annotated[Topic | None, Query(description="A topic; all when omitted.")] = None,
    as_of: Annotated[date | None, Query(description="Only the version valid on this day.")] = None,
    known_at: Annotated[datetime | None, Query(
        description="As the service believed it at this time (UTC when no zone is given).")] = None,
) -> Page[VersionOut]:
    """Position histories (as `claimtrack history`): versions as believed now, or at `known_at`."""
    actor_id = await actor_id_of(request, conn, actor) if actor is not None else None
    believed = known_at if known_at is None or known_at.tzinfo else known_at.replace(tzinfo=UTC)
    rows = await queries.history(conn, actor_id, topic.value if topic else None, as_of, believed,
                                 paging.limit, paging.offset)
    return _page(rows, paging)
