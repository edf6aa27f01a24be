from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.deps import Connection, Paging, actor_id_of
from api.models import ClaimOut, Page, Problem
from schemas.events import Topic
from storage import queries

router = APIRouter(tags=["claims"])


@router.get("/claims", responses={404: {"model": Problem}})
async def claims(
    request: Request,
    conn: Connection,
    paging: Annotated[Paging, Depends()],
    actor: Annotated[str | None, Query(description="Actor id, name or alias.")] = None,
    topic: Annotated[Topic | None, Query()] = None,
    published_from: Annotated[date | None, Query(alias="from", description="Published on or after.")] = None,
    published_to: Annotated[date | None, Query(alias="to", description="Published on or before.")] = None,
) -> Page[ClaimOut]:
    """Claims with their quotes and evidence spans, by publication date."""
    actor_id = await actor_id_of(request, conn, actor) if actor is not None else None
    rows = await queries.claims(conn, actor_id, topic.value if topic else None, published_from, published_to,
                                paging.limit, paging.offset)
    return Page[ClaimOut](items=[ClaimOut(**asdict(r)) for r in rows], limit=paging.limit, offset=paging.offset,
                          next_offset=paging.next_offset(len(rows)))
