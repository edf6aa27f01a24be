"""Exports are encoded a chunk of rows at a time: the file does not depend on where the
chunks are cut, and each chunk's bytes come out before the next chunk is read."""

import csv
import io
import json
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from storage.export import CsvEncoder, ParquetEncoder


def _version(n: int) -> dict[str, Any]:
    return {"actor_id": f"actor-{n % 7}", "topic": "dialogue", "version": n, "stance": "support",
            "previous_stance": None if n % 3 else "oppose", "valid_from": date(2021, 1, 1 + n % 28),
            "valid_to": None, "reports": n, "statement_ids": [f"s{n}", f"s{n + 1}"][: 1 + n % 2],
            "extractor_version": "x", "recorded_from": datetime(2022, 1, 1, n % 24, tzinfo=UTC),
            "recorded_to": None, "event_id": f"e{n}"}


def _encode(encoder: CsvEncoder | ParquetEncoder, chunks: list[list[dict[str, Any]]]) -> list[bytes]:
    return [encoder.start(), *(encoder.chunk(c) for c in chunks), encoder.end()]


def _cut(rows: list[dict[str, Any]], cuts: list[int]) -> list[list[dict[str, Any]]]:
    bounds = [0, *sorted(set(cuts)), len(rows)]
    return [rows[a:b] for a, b in pairwise(bounds) if b > a]


@given(st.integers(1, 60), st.lists(st.integers(1, 59), max_size=6))
def test_csv_is_the_same_file_wherever_the_chunks_are_cut(count: int, cuts: list[int]) -> None:
    rows = [_version(n) for n in range(count)]
    chunks = _cut(rows, [c for c in cuts if c < count])
    encoder = CsvEncoder("position_history")
    file = b"".join(_encode(encoder, chunks))
    assert file == b"".join(_encode(CsvEncoder("position_history"), [rows])) and encoder.rows == count
    read = list(csv.DictReader(io.StringIO(file.decode())))
    assert [r["event_id"] for r in read] == [r["event_id"] for r in rows]
    assert [json.loads(r["statement_ids"]) for r in read] == [r["statement_ids"] for r in rows]


@given(st.integers(1, 60), st.lists(st.integers(1, 59), max_size=6))
def test_parquet_reads_back_as_the_rows_with_a_row_group_per_chunk(count: int, cuts: list[int]) -> None:
    rows = [_version(n) for n in range(count)]
    chunks = _cut(rows, [c for c in cuts if c < count])
    encoder = ParquetEncoder("position_history")
    pieces = _encode(encoder, chunks)
    assert all(pieces[1:-1])  # every chunk leaves as soon as it is encoded
    read = pq.ParquetFile(io.BytesIO(b"".join(pieces)))
    assert read.num_row_groups == len(chunks) and encoder.rows == count
    table = read.read()
    assert table.to_pylist() == rows
    assert table.schema.field("valid_from").type == pa.date32()
