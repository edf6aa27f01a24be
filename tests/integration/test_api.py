"""The HTTP API, served by `claimtrack serve`, over a seed replay on the real stack:
the same answers as the CLI, and clear refusals of bad parameters."""

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from storage.checksum import full_checksum
from storage.export import TABLES, encoder, export_stream, snapshot
from tests.integration.api_server import server, serving
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

VERSION_FIELDS = ("actor_id", "topic", "version", "stance", "previous_stance", "valid_from", "valid_to", "reports",
                  "statement_ids", "evidence")


@pytest.fixture(scope="module")
def served(pipeline: Pipeline) -> Iterator[tuple[Pipeline, httpx.Client]]:
    pipeline.cli("replay", "seeds", "--wait")
    with serving(pipeline) as client:
        yield pipeline, client


def cli_rows(p: Pipeline, *args: str) -> list[dict[str, Any]]:
    return json.loads(p.cli(*args, "--format", "json").stdout)  # type: ignore[no-any-return]


def same_fields(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [tuple(r[f] for f in VERSION_FIELDS) for r in rows]


def test_history_and_positions_answer_as_the_cli_does(served: tuple[Pipeline, httpx.Client]) -> None:
    p, client = served
    for params, args in (({"actor": "grushko", "topic": "dialogue"}, ("--actor", "grushko", "--topic", "dialogue")),
                         ({"actor": "Alexander Grushko"}, ("--actor", "grushko")),
                         ({"actor": "grushko", "as_of": "2021-07-01"}, ("--actor", "grushko", "--as-of", "2021-07-01")),
                         ({}, ())):
        answer = client.get("/history", params=params)
        assert answer.status_code == 200, answer.text
        expected = cli_rows(p, "history", *args)
        assert expected, f"the CLI shows no history for {args}"
        assert same_fields(answer.json()["items"]) == same_fields(expected)
    current = client.get("/positions").json()["items"]
    assert same_fields(current) == same_fields(cli_rows(p, "positions"))


def test_actors_and_claims_carry_what_the_projection_holds(served: tuple[Pipeline, httpx.Client]) -> None:
    _, client = served
    actors = client.get("/actors").json()
    assert {"actor_id": "grushko", "name": "Alexander Grushko", "side": "russia"} in actors
    assert client.get("/actors/Alexander Grushko").json()["actor_id"] == "grushko"
    claims = client.get("/claims", params={"actor": "grushko", "topic": "dialogue"}).json()["items"]
    assert claims and all(c["actor_id"] == "grushko" and c["topic"] == "dialogue" for c in claims)
    for c in claims:  # the quote is the article's text at the span
        assert c["evidence"] and c["span_end"] > c["span_start"] and c["evidence_spans"]
    dates = [c["published_at"] for c in claims if c["published_at"]]
    assert dates == sorted(dates)
    later = client.get("/claims", params={"actor": "grushko", "from": "2022-01-01"}).json()["items"]
    assert later and all(c["published_at"] >= "2022-01-01" for c in later)


def test_pages_are_bounded_and_follow_on(served: tuple[Pipeline, httpx.Client]) -> None:
    _, client = served
    everything = client.get("/history", params={"limit": 1000}).json()["items"]
    assert len(everything) >= 3
    first = client.get("/history", params={"limit": 2}).json()
    second = client.get("/history", params={"limit": 2, "offset": first["next_offset"]}).json()
    assert first["next_offset"] == 2 and [*first["items"], *second["items"]] == everything[:4]
    assert client.get("/history", params={"limit": 1001}).status_code == 422


@pytest.mark.parametrize(("path", "params", "says"), [
    ("/history", {"as_of": "June"}, "as_of"),
    ("/history", {"known_at": "yesterday"}, "known_at"),
    ("/history", {"topic": "weather"}, "topic"),
    ("/claims", {"from": "2021-13-01"}, "from"),
    ("/positions", {"offset": -1}, "offset"),
])
def test_a_bad_parameter_answers_422_naming_it(served: tuple[Pipeline, httpx.Client], path: str,
                                               params: dict[str, Any], says: str) -> None:
    answer = served[1].get(path, params=params)
    assert answer.status_code == 422
    assert says in json.dumps(answer.json()["detail"])


def test_an_unknown_actor_answers_404(served: tuple[Pipeline, httpx.Client]) -> None:
    _, client = served
    for path, params in (("/actors/nobody", {}), ("/history", {"actor": "nobody"}), ("/claims", {"actor": "nobody"})):
        answer = client.get(path, params=params)
        assert answer.status_code == 404 and "nobody" in answer.json()["detail"]


def test_injection_strings_change_nothing(served: tuple[Pipeline, httpx.Client]) -> None:
    p, client = served

    async def checksum() -> str:
        conn = await asyncpg.connect(p.database_url)
        try:
            return await full_checksum(conn)
        finally:
            await conn.close()

    before = asyncio.run(checksum())
    for hostile in ("grushko'; DROP TABLE claims; --", "' OR '1'='1", "grushko\x00", "%' OR 1=1 --", "$1"):
        assert client.get("/history", params={"actor": hostile}).status_code in (404, 422)
        assert client.get("/actors/" + quote(hostile, safe="")).status_code in (404, 422)
    assert asyncio.run(checksum()) == before


def test_the_openapi_document_describes_every_route(served: tuple[Pipeline, httpx.Client]) -> None:
    spec = served[1].get("/openapi.json").json()
    assert {"/actors", "/actors/{actor}", "/positions", "/history", "/claims"} <= set(spec["paths"])
    version = spec["components"]["schemas"]["VersionOut"]["properties"]
    assert {"valid_from", "recorded_from", "statement_ids"} <= set(version)


async def _sql_rows(url: str, table: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch(TABLES[table][0])]
    finally:
        await conn.close()


def _as_python(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as pyarrow gives them back: lists as lists, reals as Arrow's float32 reads them."""
    return [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows]


@pytest.mark.parametrize("table", list(TABLES))
def test_a_parquet_export_reads_back_as_the_sql_rows(served: tuple[Pipeline, httpx.Client], table: str) -> None:
    p, client = served
    answer = client.get(f"/export/{table}.parquet")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/vnd.apache.parquet"
    read = pq.read_table(io.BytesIO(answer.content))
    expected = asyncio.run(_sql_rows(p.database_url, table))
    assert expected and _as_python(read.to_pylist()) == _as_python(expected)
    if table == "position_history":  # typed, so that pandas and R need no hints
        assert read.schema.field("valid_from").type == pa.date32()
        assert read.schema.field("recorded_from").type == pa.timestamp("us", tz="UTC")
        assert read.schema.field("statement_ids").type == pa.list_(pa.string())


def test_the_export_command_writes_every_table_in_both_formats(served: tuple[Pipeline, httpx.Client],
                                                                tmp_path: Path) -> None:
    p, client = served
    for fmt in ("csv", "parquet"):
        p.cli("export", "--format", fmt, "--out", str(tmp_path / fmt))
    for table in TABLES:
        expected = asyncio.run(_sql_rows(p.database_url, table))
        parquet = pq.read_table(tmp_path / "parquet" / f"{table}.parquet").to_pylist()
        assert _as_python(parquet) == _as_python(expected)
        with (tmp_path / "csv" / f"{table}.csv").open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert [r[next(iter(expected[0]))] for r in rows] == [str(r[next(iter(expected[0]))]) for r in expected]
        assert client.get(f"/export/{table}.csv").content == (tmp_path / "csv" / f"{table}.csv").read_bytes()
    assert not list(tmp_path.rglob("*.part"))  # written beside, then renamed
    assert client.get("/export/secrets.csv").status_code == 404
    assert client.get("/export/claims.xlsx").status_code == 422


def test_an_export_reads_and_writes_a_chunk_at_a_time(served: tuple[Pipeline, httpx.Client]) -> None:
    p, _ = served

    async def export(rows: int) -> tuple[list[bytes], int]:
        conn = await asyncpg.connect(p.database_url)
        try:
            async with snapshot(conn):
                out = encoder("claims", "parquet")
                return [piece async for piece in export_stream(conn, "claims", out, rows=rows)], out.rows
        finally:
            await conn.close()

    expected = asyncio.run(_sql_rows(p.database_url, "claims"))
    pieces, rows = asyncio.run(export(7))
    assert rows == len(expected) > 14
    read = pq.ParquetFile(io.BytesIO(b"".join(pieces)))
    assert read.num_row_groups == -(-len(expected) // 7)  # a row group per cursor fetch
    assert all(pieces[1:-1])  # each chunk's bytes leave as it is encoded, not at the end
    assert _as_python(read.read().to_pylist()) == _as_python(expected)


def test_claims_of_a_versions_statements_are_the_claims_behind_it(served: tuple[Pipeline, httpx.Client]) -> None:
    _, client = served
    version = client.get("/history", params={"actor": "grushko", "topic": "dialogue"}).json()["items"][0]
    everything = client.get("/claims", params={"actor": "grushko", "topic": "dialogue", "limit": 1000}).json()["items"]
    behind = client.get("/claims", params={"actor": "grushko", "topic": "dialogue",
                                           "statement": version["statement_ids"]}).json()["items"]
    assert behind == [c for c in everything if c["statement_id"] in version["statement_ids"]]
    assert behind and len(behind) == version["reports"]


def _worker_processes(parent: int) -> list[int]:
    """The processes ``parent`` started with multiprocessing's spawn (uvicorn's workers)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_serve_with_two_workers_answers_as_one_does_from_two_processes(served: tuple[Pipeline, httpx.Client]) -> None:
    p, single = served
    with server(p, "--workers", "2") as (client, process):
        assert len(_worker_processes(process.pid)) == 2
        for path in ("/positions", "/history?actor=grushko", "/actors"):
            answers = {httpx.get(f"{client.base_url}{path}").text for _ in range(10)}  # a connection each
            assert answers == {single.get(path).text}, path

