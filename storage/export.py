"""The projection's tables as files for analysts: CSV, or Parquet with its types.

Parquet carries each column's type (dates as dates, transaction times as UTC
timestamps, statement ids as lists of strings), so pandas and R read them as such
without being told. CSV carries text: dates and times in ISO 8601, lists as JSON arrays.
"""

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import asyncpg
import asyncpg.transaction
import pyarrow as pa
import pyarrow.parquet as pq
from asyncpg import Record

Format = Literal["csv", "parquet"]

_TIME = pa.timestamp("us", tz="UTC")

# table -> (query, Arrow schema of its columns, in order)
TABLES: dict[str, tuple[str, pa.Schema]] = {
    "actors": (
        "SELECT actor_id, name, side FROM actors ORDER BY actor_id",
        pa.schema([("actor_id", pa.string()), ("name", pa.string()), ("side", pa.string())]),
    ),
    "claims": (
        "SELECT claim_id, statement_id, article_id, actor_id, topic, stance, evidence, span_start, span_end,"
        " evidence_spans::text AS evidence_spans, published_at, date_known, confidence, extractor_version,"
        " recorded_at FROM claims ORDER BY claim_id",
        pa.schema([("claim_id", pa.string()), ("statement_id", pa.string()), ("article_id", pa.string()),
                   ("actor_id", pa.string()), ("topic", pa.string()), ("stance", pa.string()),
                   ("evidence", pa.string()), ("span_start", pa.int32()), ("span_end", pa.int32()),
                   ("evidence_spans", pa.string()), ("published_at", pa.date32()), ("date_known", pa.bool_()),
                   ("confidence", pa.float32()), ("extractor_version", pa.string()), ("recorded_at", _TIME)]),
    ),
    "position_history": (
        "SELECT actor_id, topic, version, stance, previous_stance, valid_from, valid_to, reports, statement_ids,"
        " extractor_version, recorded_from, recorded_to, event_id FROM position_versions"
        " ORDER BY actor_id, topic, version, recorded_from, event_id",
        pa.schema([("actor_id", pa.string()), ("topic", pa.string()), ("version", pa.int32()),
                   ("stance", pa.string()), ("previous_stance", pa.string()), ("valid_from", pa.date32()),
                   ("valid_to", pa.date32()), ("reports", pa.int32()), ("statement_ids", pa.list_(pa.string())),
                   ("extractor_version", pa.string()), ("recorded_from", _TIME), ("recorded_to", _TIME),
                   ("event_id", pa.string())]),
    ),
}


# Rows read and encoded at a time: an export holds one chunk, whatever the table's size.
# In Parquet each chunk is a row group.
CHUNK_ROWS = 20_000


async def table_chunks(conn: asyncpg.Connection, table: str, rows: int = CHUNK_ROWS) -> AsyncIterator[list[Record]]:
    """The table's rows in export order, ``rows`` at a time, through a server-side cursor.
    A cursor lives in a transaction, which the caller opens: one repeatable-read
    transaction makes every table it exports one snapshot of the projection."""
    query, _ = TABLES[table]
    cursor = await conn.cursor(query)
    while chunk := await cursor.fetch(rows):
        yield chunk


def snapshot(conn: asyncpg.Connection) -> asyncpg.transaction.Transaction:
    """The read-only, repeatable-read transaction an export reads in."""
    return conn.transaction(isolation="repeatable_read", readonly=True)


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class CsvEncoder:
    """A table's CSV, a chunk of rows at a time: the header first, then the rows."""

    def __init__(self, table: str) -> None:
        self._names = TABLES[table][1].names
        self.rows = 0

    def start(self) -> bytes:
        return self._lines([self._names])

    def chunk(self, rows: Sequence[Mapping[str, Any]]) -> bytes:
        self.rows += len(rows)
        return self._lines([[_csv_value(row[name]) for name in self._names] for row in rows])

    def end(self) -> bytes:
        return b""

    @staticmethod
    def _lines(rows: Iterable[Sequence[Any]]) -> bytes:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8")


class _Drain(io.RawIOBase):
    """A write-only file whose bytes are taken out as they come: Parquet is written
    front to back (the footer last), so it can be sent while it is written."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        part = bytes(data)
        self._parts.append(part)
        self._written += len(part)
        return len(part)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


class ParquetEncoder:
    """A table's Parquet file, a row group per chunk of rows, the footer at the end."""

    def __init__(self, table: str) -> None:
        self._schema = TABLES[table][1]
        self._sink = _Drain()
        self._writer = pq.ParquetWriter(self._sink, self._schema)
        self.rows = 0

    def start(self) -> bytes:
        return self._sink.take()

    def chunk(self, rows: Sequence[Mapping[str, Any]]) -> bytes:
        self.rows += len(rows)
        columns = {name: [row[name] for row in rows] for name in self._schema.names}
        self._writer.write_table(pa.table(columns, schema=self._schema))
        return self._sink.take()

    def end(self) -> bytes:
        self._writer.close()
        return self._sink.take()


Encoder = CsvEncoder | ParquetEncoder


def encoder(table: str, fmt: Format) -> Encoder:
    """A new file of ``table`` in ``fmt``; its ``rows`` counts the rows written so far."""
    return CsvEncoder(table) if fmt == "csv" else ParquetEncoder(table)


async def export_stream(conn: asyncpg.Connection, table: str, out: Encoder,
                        rows: int = CHUNK_ROWS) -> AsyncIterator[bytes]:
    """The table's file, piece by piece, read in the caller's transaction (``snapshot``)."""
    yield out.start()
    async for chunk in table_chunks(conn, table, rows):
        yield out.chunk(chunk)
    yield out.end()
