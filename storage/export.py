"""The projection's tables as files for analysts: CSV, or Parquet with its types.

Parquet carries each column's type (dates as dates, transaction times as UTC
timestamps, statement ids as lists of strings), so pandas and R read them as such
without being told. CSV carries text: dates and times in ISO 8601, lists as JSON arrays.
"""

import csv
import io
import json
from datetime import date, datetime
from typing import Any, Literal

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq

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


async def table_rows(conn: asyncpg.Connection, table: str) -> list[dict[str, Any]]:
    """The table's rows, as the export writes them."""
    query, _ = TABLES[table]
    return [dict(r) for r in await conn.fetch(query)]


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def to_csv(table: str, rows: list[dict[str, Any]]) -> bytes:
    _, schema = TABLES[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(schema.names)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in schema.names])
    return out.getvalue().encode("utf-8")


def to_parquet(table: str, rows: list[dict[str, Any]]) -> bytes:
    _, schema = TABLES[table]
    columns = {name: [row[name] for row in rows] for name in schema.names}
    sink = io.BytesIO()
    pq.write_table(pa.table(columns, schema=schema), sink)
    return sink.getvalue()


def encode(table: str, rows: list[dict[str, Any]], fmt: Format) -> bytes:
    return to_csv(table, rows) if fmt == "csv" else to_parquet(table, rows)
