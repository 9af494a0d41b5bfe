"""Wires APScheduler ticks to the use cases: a fetch job per source and the digest tick.

One scheduler per process (APScheduler 3 does not share job stores between processes).
Source jobs are rebuilt from the database every minute, so sources added or paused from the
command line or another process are picked up without a restart. The digest tick runs once
a minute and finds the chats due in one query; there is no job per chat. Old rows are
pruned every hour (by one process per hour when several share the database).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digests.db import Database
from digests.editions import run_tick
from digests.ingest import fetch_source
from digests.render import Renderer
from digests.retention import PRUNE_EVERY, RetentionPolicy, scheduled_prune
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.store.sources import active_schedules
from digests.telemetry import NO_TELEMETRY, Telemetry
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

SYNC_EVERY = 60
# The first prune waits a little after start, so it does not compete with the catch-up tick.
PRUNE_DELAY = timedelta(minutes=5)
_SOURCE_JOB = "source:"


class NewsScheduler:
    """Fetches every source on its own interval (with jitter, so hosts are not hit in step)
    and queues digests every minute."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        fetcher: Fetcher,
        renderer: Renderer | None = None,
        notify: Callable[[], None] | None = None,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> None:
        self._db = db
        self._telemetry = telemetry
        self._settings = settings
        self._fetcher = fetcher
        self._renderer = renderer
        self._notify = notify
        # A job that could not start on time still runs once (coalesced) within its interval,
        # instead of APScheduler's default 1 s grace silently skipping it when the loop is busy.
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._intervals: dict[int, int] = {}

    def start(self) -> None:
        """Start ticking; the first sync runs at once. Call from inside the running loop."""
        now = datetime.now(UTC)
        self._scheduler.add_job(
            self.sync_sources,
            IntervalTrigger(seconds=SYNC_EVERY),
            id="sync-sources",
            next_run_time=now,
        )
        if self._renderer is not None:
            # On the minute (plus a second), so a chat set to 08:00 gets its digest at 08:00;
            # the first tick runs at once and catches up on digests missed while down.
            self._scheduler.add_job(
                self.digest_tick,
                CronTrigger(second=1, timezone=UTC),
                id="digest-tick",
                next_run_time=now,
                misfire_grace_time=50,
            )
        self._scheduler.add_job(
            self.prune,
            IntervalTrigger(seconds=PRUNE_EVERY.total_seconds()),
            id="prune",
            next_run_time=now + PRUNE_DELAY,
        )
        self._scheduler.start()

    async def prune(self) -> None:
        """Remove what is past retention, if no other process did within the hour."""
        policy = RetentionPolicy.from_settings(self._settings)
        await scheduled_prune(self._db, policy, now=utcnow())

    async def digest_tick(self) -> None:
        """Queue the digests due now; the sender delivers them."""
        assert self._renderer is not None
        started = time.monotonic()
        report = await run_tick(
            self._db,
            self._renderer,
            now=utcnow(),
            catch_up=timedelta(hours=self._settings.catch_up_hours),
            notify=self._notify,
        )
        self._telemetry.ticked(time.monotonic() - started, report.queued)
        if report.due or report.late:
            log.info("digest tick: %s", report.summary())

    def shutdown(self) -> None:
        """Stop ticking; running fetches are abandoned (they record nothing half-done)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def sync_sources(self) -> None:
        """Add, reschedule or drop per-source jobs to match the sources table."""
        now = utcnow()
        async with self._db.transaction() as session:
            wanted = {s.id: s for s in await active_schedules(session)}
        for source_id in list(self._intervals):
            if source_id not in wanted:
                self._scheduler.remove_job(f"{_SOURCE_JOB}{source_id}")
                del self._intervals[source_id]
        for source_id, source in wanted.items():
            if self._intervals.get(source_id) == source.fetch_interval:
                continue
            interval = source.fetch_interval
            due = (
                (source.last_fetch_at + timedelta(seconds=interval))
                if source.last_fetch_at
                else now
            )
            first = max(due, now) + timedelta(seconds=random.uniform(0, min(30, interval / 10)))
            self._scheduler.add_job(
                self._fetch,
                IntervalTrigger(seconds=interval, jitter=min(60, interval // 10)),
                args=[source_id],
                id=f"{_SOURCE_JOB}{source_id}",
                next_run_time=first,
                replace_existing=True,
            )
            self._intervals[source_id] = interval

    async def _fetch(self, source_id: int) -> None:
        started = time.monotonic()
        report = await fetch_source(
            self._db, self._fetcher, self._settings, source_id, now=utcnow()
        )
        self._telemetry.fetched("ok" if report.ok else "error", time.monotonic() - started)
        if report.ok:
            log.info("fetched %s: %d new", report.source_name, report.new_articles)
        else:
            log.warning("source %s failed: %s", report.source_name, report.error)
