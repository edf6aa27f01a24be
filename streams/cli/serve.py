"""`claimtrack serve`: the HTTP API over the projection."""

from typing import Annotated

import typer

from streams.cli.app import SERVE_HOST, SERVE_PORT, app, broker_address, database_address, out, settings
from streams.cli.positions import registered_actor


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = SERVE_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = SERVE_PORT,
) -> None:
    """Serve the projection over HTTP (read-only): the timeline page on /; /actors, /positions, /history,
    /claims, /articles, /export; claim changes as they happen on /events; progress on /metrics. /docs
    describes them."""
    import uvicorn

    from api.app import create_app
    from streams.clients.served import ServedLog

    s = settings()
    # The projection's routes need no broker: /events answers 503 and /metrics says
    # claimtrack_log_up 0 while it cannot be reached.
    log = ServedLog(broker_address(s, must_answer=False), s.topics, s.app_id)
    out.print(f"serving the timeline page on http://{host}:{port}/ and the API described on /docs")
    uvicorn.run(create_app(database_address(s), log, registered_actor), host=host, port=port,
                log_level="warning")
