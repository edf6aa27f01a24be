"""Apache Kafka for the local stack: one KRaft node (broker and controller) run from the
jars of `deploy/kafka/pom.xml`, resolved with Maven into a cache under CLAIMTRACK_HOME
once and reused by every later start."""

import base64
import re
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from streams.devstack.processes import StackError, free_port, spawn, wait_port

POM = Path("deploy") / "kafka" / "pom.xml"
HEAP = "-Xmx768m"  # bounded: the broker shares a small machine with PostgreSQL and the worker
MIN_JAVA = 17

_LOG4J = """\
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.server.name = org.apache.kafka.server
logger.server.level = INFO
"""


def pom_path() -> Path:
    """The pom in the checkout the command runs from, else the one beside this source tree."""
    for candidate in (Path.cwd() / POM, Path(__file__).resolve().parents[2] / POM):
        if candidate.exists():
            return candidate
    raise StackError(f"{POM} not found: run claimtrack from its checkout, or use CLAIMTRACK_BROKER=noida")


def version() -> str:
    props = ET.parse(pom_path()).getroot().find("{http://maven.apache.org/POM/4.0.0}properties")
    found = None if props is None else props.find("{http://maven.apache.org/POM/4.0.0}kafka.version")
    if found is None or not found.text:
        raise StackError(f"{pom_path()} names no kafka.version")
    return found.text.strip()


def java_major() -> int | None:
    """The major version of the `java` on PATH, None when there is none."""
    if not shutil.which("java"):
        return None
    run = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    found = re.search(r'version "(\d+)(?:\.(\d+))?', run.stderr + run.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def missing() -> str | None:
    """Why Apache Kafka cannot run here, or None when it can."""
    major = java_major()
    if major is None:
        return "no Java found"
    if major < MIN_JAVA:
        return f"Java {major} found, Kafka needs {MIN_JAVA}+"
    if not shutil.which("mvn"):
        return "no Maven found to resolve the broker's jars"
    try:
        pom_path()
    except StackError as exc:
        return str(exc)
    return None


def jars(home: Path) -> Path:
    """The broker's jars, resolved once into ``home/cache/kafka-<version>``."""
    libs = home / "cache" / f"kafka-{version()}"
    done = libs / ".resolved"
    if done.exists():
        return libs
    libs.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(pom_path()), "dependency:copy-dependencies",
         f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
        capture_output=True, text=True, check=False,
    )
    if run.returncode != 0:
        raise StackError(f"Maven could not resolve Apache Kafka {version()}: {(run.stdout + run.stderr)[-600:]}")
    done.touch()
    return libs


def _properties(data: Path, port: int, controller_port: int) -> str:
    return "\n".join([
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{controller_port}",
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        f"log.dirs={data}",
        # One node: every internal topic has one replica.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "num.partitions=3",
        "",
    ])


def _ports(config: Path) -> tuple[int, int] | None:
    if not config.exists():
        return None
    text = config.read_text()
    listeners = re.search(r"^listeners=PLAINTEXT://[^:]+:(\d+),CONTROLLER://[^:]+:(\d+)$", text, re.M)
    return (int(listeners.group(1)), int(listeners.group(2))) if listeners else None


def start(home: Path, port: int | None = None) -> tuple[str, int]:
    """Start the node (formatting its storage on first use); a restart keeps its ports."""
    libs = jars(home)
    root = home / "apache-kafka"
    data, config, log = root / "data", root / "server.properties", home / "logs" / "kafka.log"
    root.mkdir(parents=True, exist_ok=True)
    ports = _ports(config)
    port = port or (ports[0] if ports else free_port())
    controller_port = ports[1] if ports else free_port()
    config.write_text(_properties(data, port, controller_port))
    (root / "log4j2.properties").write_text(_LOG4J)
    java = ["java", HEAP, f"-Dlog4j2.configurationFile={root / 'log4j2.properties'}", "-cp", f"{libs}/*"]
    if not (data / "meta.properties").exists():
        run = subprocess.run([*java, "kafka.tools.StorageTool", "format", "-t", _cluster_id(), "-c", str(config)],
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            raise StackError(f"formatting Kafka's storage failed: {(run.stdout + run.stderr)[-600:]}")
    pid = spawn([*java, "kafka.Kafka", str(config)], log)
    wait_port("127.0.0.1", port, pid, log, f"Apache Kafka {version()}", timeout=90.0)
    return f"127.0.0.1:{port}", pid


def _cluster_id() -> str:
    """What `kafka-storage random-uuid` prints: a UUID in URL-safe base64, unpadded, and
    like Kafka's own, never one that starts with "-", which the storage tool's command
    line would take for an option (one start in 64 failed so)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id
