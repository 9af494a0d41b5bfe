"""Prometheus metrics of one process: what it sent, fetched, ticked and handled, and the outbox.

Counters and histograms are fed by the domain through :class:`~digests.telemetry.Telemetry`.
The outbox depth and the age of its oldest due row are read from the database when scraped:
one range scan of the queue index, cached for ``cache_seconds`` so frequent scrapes (or several
scrapers) cost one query at most that often. The database size and rows per main table count
whole tables, so they are read at most every ``sizes_seconds`` (5 minutes by default). Each
process has its own registry, so tests and several bots in one process never share counts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from digests.db import Database
from digests.stats import DatabaseSizes, outbox_reading
from digests.timeutil import utcnow

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_SLOW = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)


@dataclass
class OutboxSnapshot:
    """What the outbox looked like at ``taken`` (monotonic)."""

    taken: float
    now: datetime
    waiting: dict[str, int] = field(default_factory=dict)
    oldest_due: datetime | None = None
    possible_duplicates: int = 0


class _Gauges(Collector):
    """Values read at scrape: the cached outbox snapshot, the sender lease and the roles."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        m = self._metrics
        snapshot = m.snapshot
        depth = GaugeMetricFamily(
            "newsbot_outbox_depth",
            "Outbox rows waiting to be sent (pending or in flight)",
            labels=["lane"],
        )
        age = GaugeMetricFamily(
            "newsbot_outbox_oldest_due_age_seconds",
            "How long the oldest due pending row has been due (0 when none is due)",
        )
        recorded = GaugeMetricFamily(
            "newsbot_possible_duplicates_recorded",
            "Messages found in flight after a crash and sent again, since the database was made",
        )
        if snapshot is not None:
            for lane in ("reply", "broadcast", "digest"):
                depth.add_metric([lane], snapshot.waiting.get(lane, 0))
            oldest = snapshot.oldest_due
            age.add_metric([], max(0.0, (snapshot.now - oldest).total_seconds()) if oldest else 0)
            recorded.add_metric([], snapshot.possible_duplicates)
        yield from (depth, age, recorded)

        if m.sizes is not None:
            size = GaugeMetricFamily("newsbot_database_bytes", "Bytes the database takes on disk")
            size.add_metric([], m.sizes.total_bytes)
            rows = GaugeMetricFamily(
                "newsbot_table_rows", "Rows in each main table", labels=["table"]
            )
            for table, count in m.sizes.rows:
                rows.add_metric([table], count)
            yield from (size, rows)

        holder = m.lease_holder()
        held = GaugeMetricFamily(
            "newsbot_sender_lease_held", "1 when this process is the active sender"
        )
        held.add_metric([], 1 if holder is not None and holder == m.identity else 0)
        yield held
        owner = GaugeMetricFamily(
            "newsbot_sender_lease_holder",
            "The process holding the sender lease, as a label (absent when unknown)",
            labels=["owner"],
        )
        if holder is not None:
            owner.add_metric([holder], 1)
        yield owner
        roles = GaugeMetricFamily(
            "newsbot_role_active", "1 for each role this process runs now", labels=["role"]
        )
        for name, active in m.roles().items():
            roles.add_metric([name], 1 if active else 0)
        yield roles


class Metrics:
    """The process's registry; implements :class:`~digests.telemetry.Telemetry`."""

    def __init__(
        self,
        db: Database | None,
        *,
        identity: str,
        cache_seconds: float = 5.0,
        sizes_seconds: float = 300.0,
        lease_holder: Callable[[], str | None] = lambda: None,
        roles: Callable[[], dict[str, bool]] = dict,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.identity = identity
        self.lease_holder = lease_holder
        self.roles = roles
        self.snapshot: OutboxSnapshot | None = None
        self.sizes: DatabaseSizes | None = None
        self._db = db
        self._cache_seconds = cache_seconds
        self._sizes_seconds = sizes_seconds
        self._sizes_taken = 0.0
        self._refreshing: asyncio.Lock | None = None
        r = self.registry
        self._sends = Counter(
            "newsbot_sends",
            "Send attempts of outbox rows by lane and outcome",
            ["lane", "outcome"],
            registry=r,
        )
        self._flood_waits = Counter(
            "newsbot_flood_waits", "429 answers (every send paused)", registry=r
        )
        self._paused = Counter(
            "newsbot_flood_wait_seconds", "Seconds every send was paused by 429s", registry=r
        )
        self._duplicates = Counter(
            "newsbot_possible_duplicates",
            "Rows this process found in flight at start and sent again (each may arrive twice)",
            registry=r,
        )
        self._fetches = Histogram(
            "newsbot_fetch_duration_seconds",
            "Source fetches by outcome",
            ["outcome"],
            buckets=_SLOW,
            registry=r,
        )
        self._ticks = Histogram(
            "newsbot_digest_tick_duration_seconds", "Digest ticks", buckets=_SLOW, registry=r
        )
        self._digests = Counter(
            "newsbot_digests_queued", "Digests queued by the digest tick", registry=r
        )
        self._updates = Histogram(
            "newsbot_update_handling_seconds",
            "Time to handle one Telegram update",
            buckets=_FAST,
            registry=r,
        )
        r.register(_Gauges(self))

    # -- Telemetry -------------------------------------------------------------------------------

    def sent(self, lane: str, outcome: str, seconds: float) -> None:
        self._sends.labels(lane, outcome).inc()

    def paused(self, seconds: float) -> None:
        self._flood_waits.inc()
        self._paused.inc(seconds)

    def possible_duplicates(self, count: int) -> None:
        self._duplicates.inc(count)

    def fetched(self, outcome: str, seconds: float) -> None:
        self._fetches.labels(outcome).observe(seconds)

    def ticked(self, seconds: float, queued: int) -> None:
        self._ticks.observe(seconds)
        self._digests.inc(queued)

    def update_handled(self, seconds: float) -> None:
        """One Telegram update went through the handlers in ``seconds``."""
        self._updates.observe(seconds)

    # -- scraping --------------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read the outbox unless the last reading is younger than the cache time."""
        if self._db is None:
            return
        if self._refreshing is None:
            self._refreshing = asyncio.Lock()
        async with self._refreshing:  # concurrent scrapes share one query
            if self.snapshot and time.monotonic() - self.snapshot.taken < self._cache_seconds:
                return
            now = utcnow()
            stale = time.monotonic() - self._sizes_taken >= self._sizes_seconds
            reading = await outbox_reading(self._db, now, with_sizes=self.sizes is None or stale)
            if reading.sizes is not None:
                self.sizes = reading.sizes
                self._sizes_taken = time.monotonic()
            lanes = reading.lanes
            dues = [d.oldest_due for d in lanes if d.oldest_due is not None]
            self.snapshot = OutboxSnapshot(
                taken=time.monotonic(),
                now=now,
                waiting={d.lane.name.lower(): d.waiting for d in lanes},
                oldest_due=min(dues) if dues else None,
                possible_duplicates=reading.possible_duplicates,
            )

    async def exposition(self) -> bytes:
        """The Prometheus text exposition, with a fresh (or cached) outbox reading."""
        await self.refresh()
        return generate_latest(self.registry)
