"""The local stack's broker: one pinned Apache Kafka version, and the choice between
Apache Kafka and the pip-only fallback."""

import base64
import re
import uuid
from pathlib import Path

import pytest

from streams.devstack import apache_kafka
from streams.devstack import stack as localstack


def test_the_compose_file_runs_the_version_the_pom_pins(repo: Path) -> None:
    compose = (repo / "deploy" / "compose.yaml").read_text()
    image = re.search(r"image:\s*apache/kafka:(\S+)", compose)
    assert image, "deploy/compose.yaml runs no apache/kafka image"
    assert image.group(1) == apache_kafka.version()


def test_auto_takes_apache_kafka_where_java_is_and_says_so_when_it_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apache_kafka, "missing", lambda: None)
    assert localstack.choose_broker("auto") == ("apache", None)
    monkeypatch.setattr(apache_kafka, "missing", lambda: "no Java found")
    kind, note = localstack.choose_broker("auto")
    assert kind == "noida" and note is not None and "no Java found" in note
    assert localstack.choose_broker("noida") == ("noida", None)


def test_asking_for_apache_kafka_without_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apache_kafka, "missing", lambda: "Java 11 found, Kafka needs 17+")
    with pytest.raises(localstack.StackError, match="CLAIMTRACK_BROKER=apache, but Java 11 found"):
        localstack.choose_broker("apache")


def test_a_cluster_id_never_reads_as_an_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL-safe base64 UUID starts with "-" when its first byte is 0xF8 to 0xFB."""
    draws = iter([uuid.UUID(bytes=bytes([0xF8]) + bytes(15)), uuid.UUID(bytes=bytes([0x12]) + bytes(15))])
    monkeypatch.setattr(apache_kafka.uuid, "uuid4", lambda: next(draws))
    cluster_id = apache_kafka._cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(bytes([0x12]) + bytes(15)).decode().rstrip("=")
    assert len(cluster_id) == 22
