"""Structured logging: key=value lines on stderr, or JSON with CLAIMTRACK_LOG_JSON=1.

The Kafka clients log through the standard library. A long-running process keeps their
warnings, at most one line per message every few seconds, so a lost broker cannot fill
a disk; a one-shot command silences them, since it reports its own failure in one line."""

import logging
import os
import sys
import time

import structlog

CLIENT_LOGGERS = ("aiokafka", "kafka", "faust", "mode")


class RateLimit(logging.Filter):
    """Lets each message template through at most once per ``every`` seconds; the next one
    let through says how many were held back."""

    def __init__(self, every: float = 10.0) -> None:
        super().__init__()
        self.every = every
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # A filter runs inside the caller's logging call: it must never raise into it.
        try:
            return self._let_through(record)
        except Exception:
            return True

    def _let_through(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(CLIENT_LOGGERS):
            return True
        key = (record.name, str(record.msg)[:200])
        now = time.monotonic()
        if now - self._last.get(key, -self.every) < self.every:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.every:.0f}s]"
        return True


def configure(level: str = "info", long_running: bool = False) -> None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    renderer = (
        structlog.processors.JSONRenderer()
        if os.environ.get("CLAIMTRACK_LOG_JSON") == "1"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    if long_running:
        limit_client_lines()
    else:
        for name in CLIENT_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)


_LIMIT = RateLimit()


def limit_client_lines() -> None:
    """Rate-limit the clients' lines on every handler of the root logger. Filters do not
    pass to child loggers (aiokafka.conn...), handlers see every record: call this again
    once a framework has installed its own handlers."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        if _LIMIT not in handler.filters:
            handler.addFilter(_LIMIT)


log = structlog.get_logger("claimtrack")
