from typing import Literal

from fastapi import APIRouter, HTTPException, Response

from api.deps import Connection
from api.models import Problem
from storage.export import TABLES, encode, table_rows

router = APIRouter(tags=["export"])

_MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


@router.get("/export/{table}.{fmt}", responses={200: {"content": {m: {} for m in _MEDIA.values()}},
                                                 404: {"model": Problem}})
async def export(table: str, fmt: Literal["csv", "parquet"], conn: Connection) -> Response:
    """A whole table as a file: `actors`, `claims` or `position_history`, as `.csv` or `.parquet`."""
    if table not in TABLES:
        raise HTTPException(status_code=404, detail=f"no table {table!r}; there are {', '.join(TABLES)}")
    body = encode(table, await table_rows(conn, table), fmt)
    return Response(body, media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'})
