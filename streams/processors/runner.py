"""Runs the faust worker with the projector beside it, in one process."""

import asyncio
import logging
import os
import signal

import faust

from storage.migrate import migrate_database
from storage.retry import retrying
from streams.clients.admin import ensure_topics, processor_offsets
from streams.config import Settings
from streams.logs import limit_client_lines, log
from streams.metrics import serve_metrics
from streams.processors.app import changelog_topic, create_app
from streams.processors.watchdog import BrokerLost, Stalled, watch_broker, watch_progress
from streams.projector.service import Limits, Projector


async def prepare(settings: Settings, bootstrap: str, database_url: str) -> None:
    """Migrate the projection database and create the topics. A database that is
    restarting is waited for (up to two minutes), not taken for a fatal error."""
    applied = await retrying(lambda: migrate_database(database_url), "migrating", give_up_after=120)
    if applied:
        log.info("migrated", applied=applied)
    t = settings.topics
    await ensure_topics(bootstrap, [*t.projected, t.deadletter], settings.partitions, t.message_bytes)
    # The position table's changelog, as faust would name and configure it: created here,
    # before any worker starts, so no worker finds it missing (or empty of partitions)
    # in the moment between one worker asking for it and the broker making it.
    await ensure_topics(bootstrap, [changelog_topic(settings)], settings.partitions, t.message_bytes,
                        compacted=True)


class Worker(faust.Worker):
    """faust's worker without its terminal spinner. To spin on every log line, the spinner
    turns the root logger down to DEBUG: every debug call of faust and aiokafka then
    makes a record that no handler prints, a few per cent of the processors' CPU."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        self.spinner = None
        super().on_setup_root_logger(logger, level)


STOP_GRACE = 15.0  # seconds a worker that gave up on its broker has to stop in order


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.date_window, settings.max_article_bytes)


def run_worker(settings: Settings, bootstrap: str, database_url: str, with_projector: bool = True) -> None:
    asyncio.run(prepare(settings, bootstrap, database_url))
    serve_metrics(settings.metrics_port)
    app = create_app(settings, bootstrap)

    async def give_up(reason: BrokerLost | Stalled) -> None:
        # faust's orderly stop waits on the broker, which is gone or stuck: bound it.
        asyncio.get_running_loop().call_later(STOP_GRACE, os._exit, 1)
        await app.crash(reason)

    async def behind() -> dict[tuple[str, int], tuple[int, int]]:
        return await processor_offsets(bootstrap, settings.app_id, [settings.topics.articles, settings.topics.claims])

    @app.task
    async def watch() -> None:
        limit_client_lines()  # faust has installed its log handlers by now
        await asyncio.gather(watch_broker(bootstrap, settings.broker_give_up, give_up),
                             watch_progress(behind, settings.stall_timeout, give_up,
                                            recovering=lambda: bool(app.rebalancing or app.in_recovery)))

    if with_projector:
        projector = Projector(bootstrap, database_url, settings.topics, limits=limits_of(settings))

        @app.task
        async def project() -> None:
            await projector.run()

    Worker(app, loglevel=settings.log_level, quiet=True).execute_from_commandline()


def run_projector(settings: Settings, bootstrap: str, database_url: str) -> None:
    """The projector alone, until SIGTERM or SIGINT."""

    async def main() -> None:
        await prepare(settings, bootstrap, database_url)
        serve_metrics(settings.metrics_port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        lost: list[BrokerLost] = []

        async def give_up(exc: BrokerLost) -> None:
            lost.append(exc)
            stop.set()

        watcher = asyncio.create_task(watch_broker(bootstrap, settings.broker_give_up, give_up))
        await Projector(bootstrap, database_url, settings.topics, limits=limits_of(settings)).run(stop)
        watcher.cancel()
        if lost:
            raise lost[0]

    asyncio.run(main())
