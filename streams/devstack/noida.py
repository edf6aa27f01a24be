"""noida-db, a Kafka-protocol broker from PyPI: the fallback where no Java is installed."""

import shutil
import sys
from pathlib import Path

from streams.devstack.processes import StackError, free_port, spawn, wait_port

VERSION = "0.2.3"


def noida_binary() -> str:
    beside = Path(sys.executable).parent / "noida-db"
    found = str(beside) if beside.exists() else shutil.which("noida-db")
    if not found:
        raise StackError("noida-db is not installed: pip install 'noida-db==0.2.3'")
    return found


def start(home: Path, port: int | None = None) -> tuple[str, int]:
    port = port or free_port()
    data = home / "kafka"
    data.mkdir(parents=True, exist_ok=True)
    log = home / "logs" / "kafka.log"
    pid = spawn([noida_binary(), "start", "--only", "kafka", "--kafka-port", str(port),
                  "--host", "127.0.0.1", "--data-dir", str(data)], log)
    wait_port("127.0.0.1", port, pid, log, "the Kafka broker (noida-db)")
    return f"127.0.0.1:{port}", pid
