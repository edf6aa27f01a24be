"""One validated settings object, read from CLAIMTRACK_* environment variables."""

import socket
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.core.plausible import DateWindow


def message_bytes_for(max_article_bytes: int) -> int:
    """What any claimtrack topic must carry: an article event at the limit, or the dead
    letter of one (its value in base64 with the reason and place)."""
    return 2 * max_article_bytes + 65_536


class Topics:
    def __init__(self, prefix: str, message_bytes: int = message_bytes_for(2_000_000)) -> None:
        self.message_bytes = message_bytes
        self.articles = f"{prefix}.articles"
        self.claims = f"{prefix}.claims"
        self.changes = f"{prefix}.claim-changes"
        self.deadletter = f"{prefix}.deadletter"

    @property
    def projected(self) -> tuple[str, str, str]:
        return (self.articles, self.claims, self.changes)

    def carries(self, topic: str) -> tuple[str, ...]:
        """The event types that belong on ``topic``: events are applied only from their own topic."""
        return {
            self.articles: ("ArticlePublished",),
            self.claims: ("ClaimExtracted",),
            self.changes: ("PositionChanged", "PositionRevised", "PositionCorroborated"),
        }.get(topic, ())

    @property
    def checked_upstream(self) -> tuple[str, str]:
        """The topics whose undecodable events the stream processors dead-letter already."""
        return (self.articles, self.claims)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLAIMTRACK_", extra="ignore")

    kafka_bootstrap: str | None = Field(None, description="host:port of a Kafka broker; unset: the local stack")
    database_url: str | None = Field(None, description="postgresql:// URL; unset: the local stack")
    home: Path = Field(Path(".claimtrack"), description="Where the local stack keeps its data and pids")
    broker: Literal["auto", "apache", "noida"] = Field(
        "auto", description="The local stack's broker: Apache Kafka (needs Java 17+ and Maven), noida-db "
        "(pip only), or auto: Apache Kafka where Java is found, else noida-db")
    topic_prefix: str = Field("claimtrack", pattern=r"^[A-Za-z0-9._-]{1,200}$",
                              description="Names claimtrack's topics: letters, digits, '.', '_' and '-'")
    partitions: int = Field(3, ge=1, le=1000, description="Partitions of each topic claimtrack creates")
    app_id: str = "claimtrack"
    worker_instance: str | None = Field(
        None,
        description="The worker's static consumer-group member id (default: app id @ host name). A restarted "
        "worker with the same id takes its partitions back at once instead of waiting for the broker to "
        "expire the old member; two workers of one app on one host need different ids",
    )
    max_article_bytes: int = Field(
        2_000_000, ge=10_000, le=50_000_000,
        description="The largest article event, as encoded, that claimtrack sends or accepts; topics are "
        "created to carry it, and `extract` refuses a larger article too")
    earliest_date: date = Field(date(1900, 1, 1), description="Publication dates before this are refused")
    latest_date: date | None = Field(None, description="Publication dates after this are refused; "
                                     "unset: a day after today (UTC)")
    broker_give_up: float = Field(300.0, gt=0, description="Seconds a worker waits for a lost broker "
                                  "before it exits with an error")
    stall_timeout: float = Field(180.0, gt=0, description="Seconds a worker's stream processors may commit "
                                 "nothing while messages wait and the broker answers, before it exits with an "
                                 "error for its supervisor to restart it (a consumer stuck after a broker outage)")
    compression: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "zstd", description="How the worker and `replay` compress what they send (the broker keeps it so): "
        "article text and quotes take a third of the room with zstd")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    wait_timeout: float = Field(180.0, gt=0, description="Seconds `replay --wait` waits for the projection")
    metrics_port: int | None = Field(None, ge=1, le=65535, description="Where a worker serves its own counters "
                                     "in Prometheus' text format (GET /metrics); unset: not served. Two workers "
                                     "on one host need two ports")

    @property
    def compression_type(self) -> str | None:
        """The producers' ``compression_type``: None for none."""
        return None if self.compression == "none" else self.compression

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("home")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        # Servers change directory at start; every path we hand them must be absolute.
        return value.expanduser().resolve()

    @property
    def date_window(self) -> DateWindow:
        """The plausible publication dates (the latest, unless set, a day after writing)."""
        return DateWindow(self.earliest_date, self.latest_date)

    @cached_property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix, message_bytes_for(self.max_article_bytes))

    @property
    def group_instance_id(self) -> str:
        return self.worker_instance or f"{self.app_id}@{socket.gethostname()}"

    @property
    def configured(self) -> bool:
        """Whether both services are given, so no local stack is needed."""
        return bool(self.kafka_bootstrap and self.database_url)
