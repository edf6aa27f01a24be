"""The claimtrack command line: one module per group of commands, registered on one app.

The import order is the order of `claimtrack --help`: the local stack and the demo
first, then the pipeline, the queries, offline extraction and the dead letters."""

# isort: off
from streams.cli.app import app, main
from streams.cli import stack, replay, positions, export, serve, subscribe, extraction, deadletter  # noqa: F401
# isort: on

__all__ = ["app", "main"]
