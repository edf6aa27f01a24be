"""How far the pipeline has got through the log: what the HTTP API's /metrics reports."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class PartitionProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    reader: Literal["processors", "projection"]  # the stream processors' consumer group, or the projection
    topic: str
    partition: int
    done: int  # the next offset the reader takes
    end: int  # the log's end offset

    @property
    def lag(self) -> int:
        return max(0, self.end - self.done)


class LogProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    partitions: tuple[PartitionProgress, ...]
    oldest_unprojected: datetime | None  # the log time of the oldest message not projected yet
    dead_letters: int  # messages on the dead-letter topic
