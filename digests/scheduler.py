"""Wires APScheduler ticks to the use cases: one fetch job per source, kept in step with the DB.

One scheduler per process (APScheduler 3 does not share job stores between processes). Jobs
are rebuilt from the database every minute, so sources added or paused from the command line
or another process are picked up without a restart.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from digests.db import Database
from digests.ingest import fetch_source
from digests.settings import Settings
from digests.sources.fetch import Fetcher
from digests.store.sources import list_sources
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

SYNC_EVERY = 60
_SOURCE_JOB = "source:"


class IngestScheduler:
    """Fetches every source on its own interval, with jitter so hosts are not hit in step."""

    def __init__(self, db: Database, settings: Settings, fetcher: Fetcher) -> None:
        self._db = db
        self._settings = settings
        self._fetcher = fetcher
        # A job that could not start on time still runs once (coalesced) within its interval,
        # instead of APScheduler's default 1 s grace silently skipping it when the loop is busy.
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._intervals: dict[int, int] = {}

    def start(self) -> None:
        """Start ticking; the first sync runs at once. Call from inside the running loop."""
        self._scheduler.add_job(
            self.sync_sources,
            IntervalTrigger(seconds=SYNC_EVERY),
            id="sync-sources",
            next_run_time=datetime.now(UTC),
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop ticking; running fetches are abandoned (they record nothing half-done)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def sync_sources(self) -> None:
        """Add, reschedule or drop per-source jobs to match the sources table."""
        now = utcnow()
        async with self._db.transaction() as session:
            sources = await list_sources(session)
        wanted = {s.id: s for s in sources if not s.paused}
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
        report = await fetch_source(
            self._db, self._fetcher, self._settings, source_id, now=utcnow()
        )
        if report.ok:
            log.info("fetched %s: %d new", report.source_name, report.new_articles)
        else:
            log.warning("source %s failed: %s", report.source_name, report.error)
