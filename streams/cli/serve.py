"""`claimtrack serve`: the HTTP API over the projection."""

import os
from typing import TYPE_CHECKING, Annotated

import typer

from streams.cli.app import SERVE_HOST, SERVE_PORT, app, broker_address, database_address, out, settings
from streams.cli.positions import registered_actor

if TYPE_CHECKING:  # FastAPI is loaded by the command, not by every start of the CLI
    from fastapi import FastAPI


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = SERVE_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = SERVE_PORT,
    workers: Annotated[int, typer.Option(help="Server processes sharing the port (one per core)", min=1,
                                         max=64)] = 1,
) -> None:
    """Serve the projection over HTTP (read-only): the timeline page on /; /actors, /positions, /history,
    /claims, /articles, /export; claim changes as they happen on /events; progress on /metrics. /docs
    describes them."""
    import uvicorn

    s = settings()
    # The projection's routes need no broker: /events answers 503 and /metrics says
    # claimtrack_log_up 0 while it cannot be reached.
    bootstrap, database = broker_address(s, must_answer=False), database_address(s)
    out.print(f"serving the timeline page on http://{host}:{port}/ and the API described on /docs")
    if workers == 1:
        uvicorn.run(served_app(bootstrap, database), host=host, port=port, log_level="warning")
        return
    # Each process builds its own app from the environment: the addresses found here go with it.
    os.environ.update(CLAIMTRACK_KAFKA_BOOTSTRAP=bootstrap, CLAIMTRACK_DATABASE_URL=database)
    uvicorn.run("streams.cli.serve:served_app", factory=True, workers=workers, host=host, port=port,
                log_level="warning")


def served_app(bootstrap: str | None = None, database: str | None = None) -> "FastAPI":
    """The API over the projection at ``database``, following the log at ``bootstrap``
    (both from the settings when not given, as in each process of ``--workers``)."""
    from api.app import create_app
    from streams.clients.served import ServedLog

    s = settings()
    log = ServedLog(bootstrap or str(s.kafka_bootstrap), s.topics, s.app_id)
    return create_app(database or str(s.database_url), log, registered_actor)
