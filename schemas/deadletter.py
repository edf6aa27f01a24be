"""What the dead-letter topic carries: the original bytes, where they came from, and why."""

import base64
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_REASON = 1000


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    reason: str
    stage: str = Field(description="The processor that gave up: extract, version, ...")
    source_topic: str
    partition: int
    offset: int
    key: str | None = Field(description="The original key, base64")
    value: str = Field(description="The original value bytes, base64; empty when value_truncated")
    dead_lettered_at: datetime
    value_bytes: int | None = Field(None, description="The original value's size in bytes")
    value_truncated: bool = Field(False, description="The value was too large to carry: it stays in the log "
                                  "at source_topic, partition, offset")

    @classmethod
    def of(cls, *, reason: str, stage: str, topic: str, partition: int, offset: int, key: bytes | None,
           value: bytes | None, at: datetime, keep_bytes: int) -> "DeadLetter":
        """A letter of bounded size, whatever it refuses: a value over ``keep_bytes`` is
        left in the log (the letter says where) and the reason is cut to a few lines, so
        the letter always fits the dead-letter topic."""
        raw = value or b""
        kept = len(raw) <= keep_bytes
        short_key = key if key is None or len(key) <= keep_bytes else key[:keep_bytes]
        return cls(reason=reason if len(reason) <= MAX_REASON else reason[:MAX_REASON] + "…", stage=stage,
                   source_topic=topic, partition=partition, offset=offset, key=cls.b64(short_key),
                   value=(cls.b64(raw) or "") if kept else "", dead_lettered_at=at, value_bytes=len(raw),
                   value_truncated=not kept)

    @staticmethod
    def b64(raw: bytes | None) -> str | None:
        return None if raw is None else base64.b64encode(raw).decode("ascii")

    def original_value(self) -> bytes:
        return base64.b64decode(self.value)

    def original_key(self) -> bytes | None:
        return None if self.key is None else base64.b64decode(self.key)
