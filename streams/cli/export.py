"""`claimtrack export`: the projection's tables as CSV or Parquet files."""

import asyncio
import enum
from pathlib import Path
from typing import Annotated

import asyncpg
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
    """Write actors, claims and the bitemporal position history, one file each, from one
    snapshot of the projection; each file is written as it is read, whatever its size."""
    from storage.export import TABLES, encoder, export_stream, snapshot  # pyarrow: loaded only for this command

    database = database_address(settings())
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(f"cannot make {out_dir}: {exc.strerror}") from None

    async def write(conn: asyncpg.Connection, table: str, path: Path) -> int:
        """Writes beside ``path`` and renames, so a file there is always whole."""
        partial, out = path.with_name(path.name + ".part"), encoder(table, format.value)
        try:
            with partial.open("wb") as f:
                async for piece in export_stream(conn, table, out):
                    f.write(piece)
            partial.replace(path)
        except OSError as exc:
            raise fail(f"cannot write {path}: {exc.strerror}", code=1) from None
        return out.rows

    async def run() -> list[tuple[Path, int]]:
        conn = await connect_readonly(database)
        try:
            async with snapshot(conn):
                return [(path, await write(conn, table, path))
                        for table in TABLES for path in [out_dir / f"{table}.{format.value}"]]
        finally:
            await conn.close()

    for path, count in asyncio.run(run()):
        out.print(f"{path}: {count} rows", markup=False, highlight=False)
