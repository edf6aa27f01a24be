"""The worker's own counters, served in Prometheus' text format on
CLAIMTRACK_METRICS_PORT. They count what this process did since it started; a message
redelivered after a crash is counted again, as at-least-once delivery goes."""

from prometheus_client import Counter, Histogram, start_http_server

ARTICLES = Counter("claimtrack_worker_articles", "Articles the extraction stage took, refused ones included")
CLAIMS = Counter("claimtrack_worker_claims_extracted", "Claims extracted and sent to the claims topic")
CHANGES = Counter("claimtrack_worker_claim_changes", "Claim-change events sent", ["event_type"])
DEAD_LETTERS = Counter("claimtrack_worker_dead_letters", "Messages sent to the dead-letter topic", ["stage"])
PROJECTED = Counter("claimtrack_worker_events_projected", "Log records the projector committed", ["topic"])
PROJECTION_DELAY = Histogram(
    "claimtrack_worker_projection_delay_seconds",
    "Seconds from the log time of a batch's oldest message to the projector's commit of the batch",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, float("inf")))


def serve_metrics(port: int | None) -> None:
    """Serve the counters on ``port`` (not at all when None), from a thread of their own."""
    if port is not None:
        start_http_server(port)
