"""Memory of an export as the projection grows: it should not grow with the table.

Builds a projection of made-up claims (``bench/query_latency.py``'s, through the
projection's own write path, no broker) in a PostgreSQL of its own, and at each size
of --claims (a database each) runs `claimtrack export` in both formats and downloads
`GET /export/claims.csv` and `/export/claims.parquet` from a `claimtrack serve`:

    python bench/export_memory.py --claims 100000,400000

For each size it prints the rows, the seconds, the bytes written and the peak resident
memory of the export command, and the serving process's peak after each download.
The last line reads ``claims=N export_peak_mb=... serve_peak_mb=...`` for the largest size.
"""

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from api_latency import Server  # noqa: E402
from query_latency import load, log_records, made_up_claims  # noqa: E402
from throughput import peak_rss_mb  # noqa: E402

from storage.databases import create_database  # noqa: E402
from streams.devstack import stack as localstack  # noqa: E402


def say(message: str) -> None:
    print(message, flush=True)


def export_command(env: dict[str, str], fmt: str, out: Path) -> tuple[float, float, int]:
    """Seconds, peak MB and bytes written of one `claimtrack export`."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "streams", "export", "--format", fmt, "--out", str(out)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"claimtrack export failed: {process.stderr.read() if process.stderr else ''!r}")
    written = sum(f.stat().st_size for f in out.glob(f"*.{fmt}"))
    return time.monotonic() - started, usage.ru_maxrss / 1024, written


def download(url: str) -> tuple[float, int]:
    """Seconds and bytes of one download, read as it arrives and dropped."""
    started, size = time.monotonic(), 0
    with httpx.stream("GET", url, timeout=600) as answer:
        answer.raise_for_status()
        for piece in answer.iter_bytes():
            size += len(piece)
    return time.monotonic() - started, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", default="100000,400000", help="sizes, comma-separated, ascending")
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(n) for n in args.claims.split(",")]

    home = Path(tempfile.mkdtemp(prefix="claimtrack-export-memory-"))
    home.chmod(0o755)  # the PostgreSQL cluster's user must reach its directory
    database_url, pid = localstack.start_postgres(home, fast=True)
    server_url = database_url.rsplit("/", 1)[0]
    try:
        export_peak = serve_peak = 0.0
        for size in sizes:
            url = asyncio.run(create_database(server_url, f"export_memory_{size}"))
            rows = asyncio.run(load(url, log_records(made_up_claims(size, args.actors, random.Random(args.seed)))))
            say(f"{size:,} claims loaded ({rows:,} version rows)")
            env = {**os.environ, "CLAIMTRACK_DATABASE_URL": url, "CLAIMTRACK_HOME": str(home)}
            server = Server(url, home)
            try:
                for fmt in ("csv", "parquet"):
                    seconds, export_peak, written = export_command(env, fmt, home / f"out-{size}-{fmt}")
                    say(f"  claimtrack export --format {fmt}: {seconds:.1f}s, {written / 1e6:.0f} MB written, "
                        f"peak {export_peak:.0f} MB")
                    seconds, got = download(f"{server.url}/export/claims.{fmt}")
                    serve_peak = peak_rss_mb(server.process.pid)
                    say(f"  GET /export/claims.{fmt}: {seconds:.1f}s, {got / 1e6:.0f} MB; "
                        f"the server's peak so far {serve_peak:.0f} MB")
            finally:
                server.stop()
        say(f"claims={sizes[-1]} export_peak_mb={export_peak:.0f} serve_peak_mb={serve_peak:.0f}")
    finally:
        localstack.stop_pid(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
