"""`claimtrack export`: the projection's tables as CSV or Parquet files."""

import asyncio
import enum
from pathlib import Path
from typing import Annotated

import typer

from storage.readonly import connect_readonly
from streams.cli.app import app, database_address, fail, out, settings


class ExportFormat(enum.StrEnum):
    csv = "csv"
    parquet = "parquet"


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the files to (made if missing)")],
    format: Annotated[ExportFormat, typer.Option("--format", help="File format")] = ExportFormat.parquet,
) -> None:
    """Write actors, claims and the bitemporal position history, one file each."""
    from storage.export import TABLES, encode, table_rows  # pyarrow: loaded only for this command

    database = database_address(settings())
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot make {out_dir}: {exc.strerror}") from None

    async def run() -> list[tuple[Path, int]]:
        conn = await connect_readonly(database)
        try:
            written = []
            for table in TABLES:
                rows = await table_rows(conn, table)
                path = out_dir / f"{table}.{format.value}"
                path.write_bytes(encode(table, rows, format.value))
                written.append((path, len(rows)))
            return written
        finally:
            await conn.close()

    for path, count in asyncio.run(run()):
        out.print(f"{path}: {count} rows", markup=False, highlight=False)
