"""The admin's numbers (/stats and `newsbot stats`): chats, topics, deliveries, sources, trends.

"Today" is the UTC day containing ``now``; "this week" is the 7 days before ``now``. Lateness
is ``sent_at - due_at`` of the digest messages sent today (an early send counts as 0).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.store import outbox as outbox_store
from digests.store import sources as source_store
from digests.store import space, state
from digests.store import stats as stats_store
from digests.store import topics as topic_store
from digests.timeutil import as_utc
from digests.types import SourceInfo

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
SERIES_DAYS = 30
TOPICS_SHOWN = 30
FAILING_SHOWN = 15


@dataclass(frozen=True, slots=True)
class TopicCount:
    """A curated topic and how many chats follow it."""

    name: str
    chats: int


@dataclass(frozen=True, slots=True)
class DatabaseSizes:
    """How big the database is, and rows per main table (``space.MAIN_TABLES`` order)."""

    total_bytes: int
    free_bytes: int  # SQLite pages free for reuse (0 on PostgreSQL)
    rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class AdminStats:
    """Everything /stats shows, as of ``now``."""

    now: datetime
    active_chats: int
    inactive_chats: int
    topics: tuple[TopicCount, ...]
    digests_today: int
    lateness_p50: float | None  # seconds; None when no digest went out today
    lateness_p95: float | None
    broadcasts_week: int
    articles_24h: int
    failing_sources: tuple[SourceInfo, ...]
    sizes: DatabaseSizes


@dataclass(frozen=True, slots=True)
class DailySeries:
    """Per UTC day, oldest first: chats following something by the day's end, messages sent."""

    days: tuple[date, ...]
    subscribers: tuple[int, ...]
    messages: tuple[int, ...]


def day_start(now: datetime) -> datetime:
    """Midnight UTC of the day containing ``now``."""
    moment = as_utc(now)
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def human_seconds(seconds: float | None) -> str:
    """A duration as people read it: "4 s", "2 min 05 s", "1 h 03 min"; "–" for None."""
    if seconds is None:
        return "–"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def human_bytes(size: int) -> str:
    """A size as people read it: "812 kB", "41.3 MB", "2.10 GB" (decimal units)."""
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.2f} GB"


async def table_sizes(session: AsyncSession) -> DatabaseSizes:
    """The database's size and rows per main table, read in ``session`` (also for metrics)."""
    size = await space.database_size(session)
    rows = await space.table_rows(session)
    return DatabaseSizes(size.total_bytes, size.free_bytes, tuple(rows.items()))


@dataclass(frozen=True, slots=True)
class OutboxReading:
    """What ``/metrics`` reads from the database on a scrape (``sizes`` only when asked)."""

    lanes: tuple[outbox_store.LaneDepth, ...]
    possible_duplicates: int
    sizes: DatabaseSizes | None


async def outbox_reading(db: Database, now: datetime, *, with_sizes: bool) -> OutboxReading:
    """The outbox depth by lane and the duplicates counter, in one short transaction; the
    table sizes too when ``with_sizes`` (they count whole tables, so callers read them rarely)."""
    async with db.transaction() as session:
        lanes = await outbox_store.depth(session, now)
        duplicates = await state.get_value(session, state.POSSIBLE_DUPLICATES)
        sizes = await table_sizes(session) if with_sizes else None
    return OutboxReading(tuple(lanes), int(duplicates or 0), sizes)


async def compact_database(db: Database) -> tuple[DatabaseSizes, DatabaseSizes]:
    """VACUUM the whole database (on SQLite also turning on incremental auto-vacuum), outside
    any transaction as both databases require; the sizes before and after."""
    async with db.transaction() as session:
        before = await table_sizes(session)
    engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await space.vacuum(connection)
    async with db.transaction() as session:
        after = await table_sizes(session)
    return before, after


def stats_view(found: AdminStats) -> dict[str, Any]:
    """What the ``stats`` template shows (also printed by ``newsbot stats``)."""
    return {
        "when": f"{found.now:%Y-%m-%d %H:%M} UTC",
        "active": found.active_chats,
        "inactive": found.inactive_chats,
        "digests": found.digests_today,
        "p50": human_seconds(found.lateness_p50),
        "p95": human_seconds(found.lateness_p95),
        "broadcasts": found.broadcasts_week,
        "articles": found.articles_24h,
        "topics": found.topics[:TOPICS_SHOWN],
        "failing": [
            {
                "id": s.id,
                "name": s.name,
                "failures": s.consecutive_failures,
                "error": " ".join((s.last_error or "").split())[:120],
            }
            for s in found.failing_sources[:FAILING_SHOWN]
        ],
        "db_size": human_bytes(found.sizes.total_bytes),
        "db_free": human_bytes(found.sizes.free_bytes) if found.sizes.free_bytes else "",
        "db_rows": " · ".join(f"{name} {rows:,}" for name, rows in found.sizes.rows),
    }


async def gather_stats(db: Database, *, now: datetime) -> AdminStats:
    """Read every number /stats shows in one unit of work."""
    today = day_start(now)
    async with db.transaction() as session:
        active, inactive = await stats_store.chat_counts(session)
        topics = await topic_store.curated_topics(session)
        digests, lateness = await stats_store.digest_lateness(session, today)
        broadcasts = await stats_store.broadcasts_since(session, now - WEEK)
        articles = await stats_store.articles_since(session, now - DAY)
        failing = [s for s in await source_store.list_sources(session) if s.consecutive_failures]
        sizes = await table_sizes(session)
    on_time = [max(0.0, seconds) for seconds in lateness]  # an early send is not late
    return AdminStats(
        now=now,
        active_chats=active,
        inactive_chats=inactive,
        topics=tuple(
            TopicCount(t.name, t.followers)
            for t in sorted(topics, key=lambda t: (-t.followers, t.name.casefold()))
        ),
        digests_today=digests,
        lateness_p50=percentile(on_time, 50),
        lateness_p95=percentile(on_time, 95),
        broadcasts_week=broadcasts,
        articles_24h=articles,
        failing_sources=tuple(
            sorted(failing, key=lambda s: (-s.consecutive_failures, s.name.casefold()))
        ),
        sizes=sizes,
    )


async def daily_series(db: Database, *, now: datetime, days: int = SERIES_DAYS) -> DailySeries:
    """The last ``days`` UTC days up to today: subscribed chats and messages sent per day."""
    first = day_start(now) - (days - 1) * DAY
    async with db.transaction() as session:
        before, joined = await stats_store.first_subscriptions_by_day(session, first)
        sent = await stats_store.sent_by_day(session, first)
    dates = [(first + i * DAY).date() for i in range(days)]
    subscribers = list(accumulate((joined.get(d, 0) for d in dates), initial=before))[1:]
    return DailySeries(
        days=tuple(dates),
        subscribers=tuple(subscribers),
        messages=tuple(sent.get(d, 0) for d in dates),
    )


async def chart_png(db: Database, *, now: datetime, days: int = SERIES_DAYS) -> bytes:
    """The per-day chart as PNG bytes; drawn in a worker thread (it takes ~0.1 s of CPU)."""
    from digests import chart  # matplotlib is heavy: imported when a chart is first drawn

    series = await daily_series(db, now=now, days=days)
    return await asyncio.to_thread(chart.draw_daily_chart, series)
