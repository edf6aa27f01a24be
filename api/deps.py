"""What the routes share: the database pool, paging, and finding an actor."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import asyncpg
from fastapi import Depends, HTTPException, Query, Request

from api.models import Page
from schemas.place import Place, parse_place
from storage import queries

T = TypeVar("T")

MAX_PAGE = 1000  # the hard limit on a page's size


async def connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        yield conn


Connection = Annotated[asyncpg.Connection, Depends(connection)]


class Paging:
    def __init__(self, limit: int, offset: int) -> None:
        self.limit, self.offset = limit, offset

    def page(self, items: list[T]) -> Page[T]:
        """The page of ``items``; a full page may be followed by more, a short one is the last."""
        following = self.offset + len(items) if len(items) == self.limit else None
        return Page[T](items=items, limit=self.limit, offset=self.offset, next_offset=following)


async def _paging(limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")] = 100,
                  offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0) -> Paging:
    return Paging(limit, offset)


# An async dependency: FastAPI runs a plain function (or a class) in a worker thread,
# a hop per request that costs more than the query.
Pages = Annotated[Paging, Depends(_paging)]


async def actor_id_of(request: Request, conn: asyncpg.Connection, query: str) -> str:
    """The actor ``query`` names (id, name or alias, as the CLI resolves them), or 404."""
    registered: Callable[[str], str | None] = request.app.state.registered
    actor_id = await queries.resolve_actor(conn, query, registered)
    if actor_id is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {query!r}")
    return actor_id


async def _actor_filter(request: Request, conn: Connection,
                        actor: Annotated[str | None, Query(description="Actor id, name or alias; all when omitted.")]
                        = None) -> str | None:
    return await actor_id_of(request, conn, actor) if actor is not None else None


ActorFilter = Annotated[str | None, Depends(_actor_filter)]  # the id of the actor asked for, or 404


def place_or_422(text: str, where: list[str]) -> Place:
    """The place in the log ``text`` names (an /events id), or 422 naming ``where`` it came from."""
    try:
        return parse_place(text)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=[{"loc": where, "msg": str(exc), "type": "value_error"}]) from exc
