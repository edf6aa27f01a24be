from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ActorFilter, Connection, Pages
from api.models import Page, Problem, VersionOut
from schemas.events import Topic
from storage import queries

router = APIRouter(tags=["positions"])


def _versions(rows: list[queries.VersionRow]) -> list[VersionOut]:
    return [VersionOut.model_validate(r) for r in rows]


@router.get("/positions")
async def positions(conn: Connection, paging: Pages) -> Page[VersionOut]:
    """Every actor's current version on each topic (as `claimtrack positions`)."""
    return paging.page(_versions(await queries.current_positions(conn, paging.limit, paging.offset)))


@router.get("/history", responses={404: {"model": Problem}})
async def history(
    conn: Connection,
    paging: Pages,
    actor_id: ActorFilter,
    topic: Annotated[Topic | None, Query(description="A topic; all when omitted.")] = None,
    as_of: Annotated[date | None, Query(description="Only the version valid on this day.")] = None,
    known_at: Annotated[datetime | None, Query(
        description="As the service believed it at this time (UTC when no zone is given).")] = None,
) -> Page[VersionOut]:
    """Position histories (as `claimtrack history`): versions as believed now, or at `known_at`."""
    believed = known_at if known_at is None or known_at.tzinfo else known_at.replace(tzinfo=UTC)
    rows = await queries.history(conn, actor_id, topic.value if topic else None, as_of, believed,
                                 paging.limit, paging.offset)
    return paging.page(_versions(rows))
