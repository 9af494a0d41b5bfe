"""Wires APScheduler ticks to the use cases: fetching due sources and the digest tick.

One scheduler per process (APScheduler 3 does not share job stores between processes): it is
each process's clock, while the schedule lives in the database. Every few seconds a process
claims the sources whose ``next_fetch_at`` has come (``FOR UPDATE SKIP LOCKED``), so several
processes share the sources and none is fetched twice in an interval; sources added, paused
or resumed from the command line or another process are seen at the next look. The digest
tick runs once a minute and finds the chats due in one query; there is no job per chat. Old rows are
pruned every hour (by one process per hour when several share the database).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digests.db import Database
from digests.editions import run_tick
from digests.ingest import Ingest
from digests.render import Renderer
from digests.retention import PRUNE_EVERY, RetentionPolicy, scheduled_prune
from digests.settings import Settings
from digests.store.sources import ClaimedSource, claim_due, schedule_next
from digests.telemetry import NO_TELEMETRY, Telemetry
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

FETCH_CHECK_EVERY = 5
# The first prune waits a little after start, so it does not compete with the catch-up tick.
PRUNE_DELAY = timedelta(minutes=5)


class NewsScheduler:
    """Fetches the sources due (each on its own interval, with jitter, so hosts are not hit
    in step), queues digests every minute and prunes every hour."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        ingest: Ingest,
        renderer: Renderer | None = None,
        notify: Callable[[], None] | None = None,
        telemetry: Telemetry = NO_TELEMETRY,
        parallel_fetches: int = 4,
    ) -> None:
        self._db = db
        self._telemetry = telemetry
        self._settings = settings
        self._ingest = ingest
        self._renderer = renderer
        self._notify = notify
        # A job that could not start on time still runs once (coalesced) within its interval,
        # instead of APScheduler's default 1 s grace silently skipping it when the loop is busy.
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        self._parallel = parallel_fetches
        self._jobs: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        """Start ticking; the first sync runs at once. Call from inside the running loop."""
        now = datetime.now(UTC)
        self._scheduler.add_job(
            self._tracked(self.fetch_due),
            IntervalTrigger(seconds=FETCH_CHECK_EVERY),
            id="fetch-due",
            next_run_time=now,
        )
        if self._renderer is not None:
            # On the minute (plus a second), so a chat set to 08:00 gets its digest at 08:00;
            # the first tick runs at once and catches up on digests missed while down.
            self._scheduler.add_job(
                self._tracked(self.digest_tick),
                CronTrigger(second=1, timezone=UTC),
                id="digest-tick",
                next_run_time=now,
                misfire_grace_time=50,
            )
        self._scheduler.add_job(
            self._tracked(self.prune),
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

    async def stop(self, grace: float = 10.0) -> None:
        """Stop ticking; let running jobs finish (up to ``grace`` s), cancel the rest, and
        return once they have unwound.

        A job cancelled mid-way still holds a database connection while it unwinds; closing
        the database under it can hang the process's exit (seen with aiosqlite), so the
        caller closes the database only after this returns.
        """
        if not self._scheduler.running:
            return
        self._scheduler.pause()
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=grace)
        self._scheduler.shutdown(wait=False)  # cancels what still runs
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=grace)

    def _tracked(self, job: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        """``job``, recording the task that runs it while it runs (for :meth:`stop`)."""

        @functools.wraps(job)
        async def run() -> Any:
            task = asyncio.current_task()
            if task is not None:
                self._jobs.add(task)
            try:
                return await job()
            finally:
                if task is not None:
                    self._jobs.discard(task)

        return run

    async def fetch_due(self) -> int:
        """Claim the sources due now and fetch them, a batch at a time, until none is due.

        Returns how many were fetched. Runs every ``FETCH_CHECK_EVERY`` seconds in every
        process; claims make the processes share the work.
        """
        fetched = 0
        while True:
            async with self._db.transaction() as session:
                # A worker killed mid-fetch leaves its sources to the others after the hold.
                hold = self._settings.fetch_claim_seconds
                claimed = await claim_due(session, utcnow(), self._parallel, hold=hold)
            if not claimed:
                return fetched
            done = await asyncio.gather(
                *(self._fetch(source) for source in claimed), return_exceptions=True
            )
            for source, result in zip(claimed, done, strict=True):
                if isinstance(result, Exception):
                    log.error("fetching source %d failed", source.id, exc_info=result)
            fetched += len(claimed)

    async def _fetch(self, source: ClaimedSource) -> None:
        started = time.monotonic()
        report = await self._ingest.fetch_one(source.id, now=utcnow())
        interval = source.fetch_interval
        jitter = random.uniform(0, min(60, interval / 10))  # hosts not hit in step
        async with self._db.transaction() as session:
            await schedule_next(session, source.id, utcnow() + timedelta(seconds=interval + jitter))
        self._telemetry.fetched("ok" if report.ok else "error", time.monotonic() - started)
        if report.ok:
            log.info("fetched %s: %d new", report.source_name, report.new_articles)
        else:
            log.warning("source %s failed: %s", report.source_name, report.error)
