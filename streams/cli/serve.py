"""`claimtrack serve`: the HTTP API over the projection."""

from typing import Annotated

import typer

from streams.cli.app import app, broker_address, database_address, settings
from streams.cli.positions import registered_actor


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
) -> None:
    """Serve the projection over HTTP (read-only): /actors, /positions, /history, /claims, /export; claim
    changes as they happen on /events; progress on /metrics. /docs describes them."""
    import uvicorn

    from api.app import create_app
    from streams.clients.served import ServedLog

    s = settings()
    # The projection's routes need no broker: /events answers 503 and /metrics says
    # claimtrack_log_up 0 while it cannot be reached.
    log = ServedLog(broker_address(s, must_answer=False), s.topics, s.app_id)
    uvicorn.run(create_app(database_address(s), log, registered_actor), host=host, port=port,
                log_level="warning")
