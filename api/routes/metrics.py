"""GET /metrics: the pipeline's progress in Prometheus' text format, read at each scrape
from the log and the projection (the worker serves its own counters besides)."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from api.deps import Connection
from api.log import LogSource
from schemas.progress import LogProgress
from storage import queries
from storage.projection import load_offsets

router = APIRouter(tags=["operations"])

LOG_TIMEOUT = 10.0

Family = CounterMetricFamily | GaugeMetricFamily


class _Read(Collector):
    """Figures read once for one scrape."""

    def __init__(self, families: list[Family]) -> None:
        self.families = families

    def collect(self) -> Iterator[Family]:
        return iter(self.families)


def _log_families(progress: LogProgress, now: datetime) -> list[Family]:
    lag = GaugeMetricFamily("claimtrack_consumer_lag", "Messages on a partition its reader has not taken yet: "
                            "the stream processors' consumer group, or the projection",
                            labels=["reader", "topic", "partition"])
    for p in progress.partitions:
        lag.add_metric([p.reader, p.topic, str(p.partition)], p.lag)
    oldest = progress.oldest_unprojected
    delay = GaugeMetricFamily("claimtrack_projection_delay_seconds", "How long the oldest message the projection "
                              "has not taken has been in the log; 0 when it has taken everything",
                              value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    dead = CounterMetricFamily("claimtrack_dead_letters", "Messages on the dead-letter topic",
                               value=progress.dead_letters)
    return [lag, delay, dead]


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics(request: Request, conn: Connection) -> Response:
    """Consumer lag per topic and partition, projection delay, events projected, claims
    extracted, dead letters; `claimtrack_log_up` is 0 when the log could not be read."""
    log: LogSource = request.app.state.log
    projected = await load_offsets(conn)
    projected_total = CounterMetricFamily("claimtrack_events_projected", "Log records the projection has taken, "
                                          "refused ones included", labels=["topic"])
    for topic in sorted({t for t, _ in projected}):
        projected_total.add_metric([topic], sum(o for (t, _), o in projected.items() if t == topic))
    families: list[Family] = [
        projected_total,
        CounterMetricFamily("claimtrack_claims_extracted", "Claims in the projection",
                            value=await queries.claim_count(conn)),
        GaugeMetricFamily("claimtrack_event_followers", "Clients following /events", value=log.followers),
    ]
    try:
        progress = await asyncio.wait_for(log.progress(projected), LOG_TIMEOUT)
        families += _log_families(progress, datetime.now(UTC))
        up = 1
    except Exception:  # the scrape still reports the projection, and that the log was not read
        up = 0
    families.append(GaugeMetricFamily("claimtrack_log_up", "1 when the log could be read for this scrape", value=up))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Read(families))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
