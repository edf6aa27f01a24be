"""Real Kafka and PostgreSQL for the integration tests, in this order of preference:
addresses given in the environment, containers when a Docker engine answers, and
otherwise the embedded local stack (Apache Kafka, or noida-db without Java, and a
throwaway PostgreSQL cluster)."""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from streams.devstack import stack as localstack


def docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def kafka(home: Path) -> Iterator[tuple[str, str]]:
    """(bootstrap address, how it was provided)."""
    given = os.environ.get("CLAIMTRACK_TEST_KAFKA_BOOTSTRAP")
    if given:
        yield given, "environment"
    elif docker_answers():
        from testcontainers.community.kafka import KafkaContainer

        with KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as container:
            yield container.get_bootstrap_server(), "testcontainers"
    else:
        kind, _ = localstack.choose_broker(os.environ.get("CLAIMTRACK_BROKER", "auto"))
        bootstrap, pid = localstack.start_broker(home, kind=kind)
        try:
            yield bootstrap, f"embedded {localstack.broker_name(kind)}"
        finally:
            localstack.stop_pid(pid)


@contextlib.contextmanager
def postgres(home: Path) -> Iterator[tuple[str, str]]:
    """(server URL without a database name, how it was provided)."""
    given = os.environ.get("CLAIMTRACK_TEST_DATABASE_URL")
    if given:
        yield given.rsplit("/", 1)[0], "environment"
    elif docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url().rsplit("/", 1)[0], "testcontainers"
    else:
        # Run as root, the cluster belongs to an unprivileged user who must reach its directory,
        # which pytest's private temporary directories do not allow.
        cluster_home = Path(tempfile.mkdtemp(prefix="claimtrack-pg-"))
        cluster_home.chmod(0o755)
        url, pid = localstack.start_postgres(cluster_home, fast=True)
        try:
            yield url.rsplit("/", 1)[0], "embedded PostgreSQL"
        finally:
            localstack.stop_pid(pid, signal.SIGINT)
            shutil.rmtree(cluster_home, ignore_errors=True)
