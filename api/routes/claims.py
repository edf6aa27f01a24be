from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import MAX_PAGE, ActorFilter, Connection, Pages
from api.models import ClaimOut, Page, Problem
from schemas.events import Topic
from storage import queries

router = APIRouter(tags=["claims"])


@router.get("/claims", responses={404: {"model": Problem}})
async def claims(
    conn: Connection,
    paging: Pages,
    actor_id: ActorFilter,
    topic: Annotated[Topic | None, Query()] = None,
    published_from: Annotated[date | None, Query(alias="from", description="Published on or after.")] = None,
    published_to: Annotated[date | None, Query(alias="to", description="Published on or before.")] = None,
    statement: Annotated[list[str] | None, Query(
        max_length=MAX_PAGE, description="Only the reports of these statements (repeat it): a version's "
        "`statement_ids` give the claims behind it.")] = None,
) -> Page[ClaimOut]:
    """Claims with their quotes and evidence spans, by publication date."""
    rows = await queries.claims(conn, actor_id, topic.value if topic else None, published_from, published_to,
                                paging.limit, paging.offset, statement)
    return paging.page([ClaimOut.model_validate(r) for r in rows])
