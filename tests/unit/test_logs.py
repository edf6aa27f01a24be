"""The Kafka clients' log lines: rate-limited, and the limit never raises into the caller."""

import logging

from streams.logs import RateLimit


def _record(msg: object, level: int = logging.ERROR, name: str = "aiokafka.conn") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, None, None)


def test_a_repeated_line_passes_once_then_says_how_many_were_held_back() -> None:
    limit = RateLimit(every=3600)
    assert limit.filter(_record("Unable connect to node %s"))
    assert not any(limit.filter(_record("Unable connect to node %s")) for _ in range(40))
    limit.every = 0  # the window has passed
    later = _record("Unable connect to node %s")
    assert limit.filter(later) and "[40 more like this" in str(later.msg)
    assert limit.filter(_record("debug chatter", level=logging.DEBUG))
    assert limit.filter(_record("ours", name="claimtrack"))


def test_a_message_that_is_no_string_passes_and_nothing_raises() -> None:
    limit = RateLimit()
    assert limit.filter(_record({"unhashable": ["dict"]}))
    assert not limit.filter(_record({"unhashable": ["dict"]}))
