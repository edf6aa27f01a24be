"""`claimtrack serve`: the HTTP API over the projection."""

from typing import Annotated

import typer

from streams.cli.app import app, database_address, settings
from streams.cli.positions import registered_actor


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
) -> None:
    """Serve the projection over HTTP (read-only): /actors, /positions, /history, /claims; /docs describes them."""
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(database_address(settings()), registered_actor), host=host, port=port,
                log_level="warning")
