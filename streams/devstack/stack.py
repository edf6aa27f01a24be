"""The embedded local stack: a Kafka broker (Apache Kafka where Java is found, else
noida-db) and a throwaway PostgreSQL, started as our own processes, found again by
the pids we recorded.

Used when CLAIMTRACK_KAFKA_BOOTSTRAP or CLAIMTRACK_DATABASE_URL is unset.
"""

import json
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from streams.devstack import apache_kafka, noida
from streams.devstack.postgres import start_postgres
from streams.devstack.processes import StackError, alive, free_port, group_members, stop_pid

__all__ = ["BrokerKind", "StackError", "StackState", "alive", "broker_name", "choose_broker", "down", "free_port",
           "group_members", "read_state", "start_broker", "start_postgres", "stop_pid", "up", "write_state"]

STATE_FILE = "stack.json"
BrokerKind = Literal["apache", "noida"]


@dataclass
class StackState:
    kafka_bootstrap: str | None = None
    database_url: str | None = None
    pids: dict[str, int] = field(default_factory=dict)  # service name -> pid
    broker: str | None = None  # "Apache Kafka 4.1.1", "noida-db 0.2.3"


def choose_broker(choice: str) -> tuple[BrokerKind, str | None]:
    """The broker to run for CLAIMTRACK_BROKER (apache, noida or auto), and a note when
    auto falls back to noida-db."""
    if choice == "noida":
        return "noida", None
    why = apache_kafka.missing()
    if choice == "apache":
        if why:
            raise StackError(f"CLAIMTRACK_BROKER=apache, but {why}")
        return "apache", None
    if why:
        return "noida", f"{why}: running noida-db instead of Apache Kafka"
    return "apache", None


def broker_name(kind: BrokerKind) -> str:
    return f"Apache Kafka {apache_kafka.version()}" if kind == "apache" else f"noida-db {noida.VERSION}"


def start_broker(home: Path, port: int | None = None, kind: BrokerKind | None = None) -> tuple[str, int]:
    """Start a broker under ``home``: ``kind``, else what CLAIMTRACK_BROKER=auto would pick."""
    kind = kind or choose_broker("auto")[0]
    return apache_kafka.start(home, port) if kind == "apache" else noida.start(home, port)


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


def up(home: Path, kafka_bootstrap: str | None, database_url: str | None, broker: BrokerKind = "apache") -> StackState:
    """Start what is not configured and not already running; returns the addresses."""
    state = read_state(home)
    if kafka_bootstrap:
        state.kafka_bootstrap, state.broker = kafka_bootstrap, None
    elif not (state.kafka_bootstrap and alive(state.pids.get("kafka", -1))):
        state.kafka_bootstrap, state.pids["kafka"] = start_broker(home, kind=broker)
        state.broker = broker_name(broker)
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
