"""One article, by id, with the text its claims' spans index: where the timeline page links a quote
whose article has no URL."""

from fastapi import APIRouter, HTTPException

from api.deps import Connection
from api.models import ArticleOut, Problem
from storage import queries

router = APIRouter(tags=["articles"])


@router.get("/articles/{article_id}", responses={404: {"model": Problem}})
async def get_article(article_id: str, conn: Connection) -> ArticleOut:
    """One article as the projection holds it: the text the claims' spans index."""
    found = await queries.article(conn, article_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"unknown article {article_id!r}")
    return ArticleOut.model_validate(found)
