from collections.abc import AsyncIterator
from typing import Literal

import asyncpg
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from api.models import Problem
from storage.export import TABLES, Format, encoder, export_stream, snapshot

router = APIRouter(tags=["export"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@router.get("/export/{table}.{fmt}", responses={200: {"content": {m: {} for m in _MEDIA.values()}},
                                                 404: {"model": Problem}})
async def export(table: str, fmt: Literal["csv", "parquet"], request: Request) -> StreamingResponse:
    """A whole table as a file: `actors`, `claims` or `position_history`, as `.csv` or `.parquet`.
    It is streamed as it is read, from one snapshot of the projection."""
    if table not in TABLES:
        raise HTTPException(status_code=404, detail=f"no table {table!r}; there are {', '.join(TABLES)}")
    return StreamingResponse(_stream(request.app.state.pool, table, fmt), media_type=_MEDIA[fmt],
                             headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'})


async def _stream(pool: asyncpg.Pool, table: str, fmt: Format) -> AsyncIterator[bytes]:
    # The connection is held by the stream itself, for as long as the body is sent, not
    # by a request dependency, whose end may come before the body's.
    async with pool.acquire() as conn, snapshot(conn):
        async for piece in export_stream(conn, table, encoder(table, fmt)):
            yield piece
