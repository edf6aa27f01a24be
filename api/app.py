"""The ASGI app: routes over a read-only pool of the projection's database."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.log import LogSource
from api.routes import actors, articles, claims, events, export, metrics, page, positions
from storage.readonly import readonly_pool


def create_app(database_url: str, log: LogSource,
               registered: Callable[[str], str | None] = lambda _q: None) -> FastAPI:
    """``log`` is the Kafka log's claim changes and progress; ``registered`` finds an actor
    the registry knows by id, name or alias, as the CLI does."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await readonly_pool(database_url)
        try:
            yield
        finally:
            await log.close()
            await app.state.pool.close()

    app = FastAPI(title="claimtrack", summary="Who said what about dialogue, de-escalation and military contacts, "
                  "and when their position changed.", lifespan=lifespan)
    app.state.registered = registered
    app.state.log = log
    for module in (page, actors, positions, claims, articles, export, events, metrics):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=page.STATIC), name="static")
    return app
