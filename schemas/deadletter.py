"""What the dead-letter topic carries: the original bytes, where they came from, and why."""

import base64
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DeadLetter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: int = 1
    reason: str
    stage: str = Field(description="The processor that gave up: extract, version, ...")
    source_topic: str
    partition: int
    offset: int
    key: str | None = Field(description="The original key, base64")
    value: str = Field(description="The original value bytes, base64")
    dead_lettered_at: datetime

    @staticmethod
    def b64(raw: bytes | None) -> str | None:
        return None if raw is None else base64.b64encode(raw).decode("ascii")

    def original_value(self) -> bytes:
        return base64.b64decode(self.value)

    def original_key(self) -> bytes | None:
        return None if self.key is None else base64.b64decode(self.key)
