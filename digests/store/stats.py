"""SQL for the admin's numbers: chats, deliveries, broadcasts, articles, and per-day series.

Plain functions that take the session first and never commit. Days are UTC days whatever the
server's time zone; the two expressions that differ between SQLite and PostgreSQL (a UTC day,
a difference in seconds) are chosen by dialect, so the grouping and the arithmetic happen in
the database: 100,000 digests a day are not loaded as rows to be counted in Python.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, Broadcast, Chat, OutboxMessage, SentPerDay, Subscription
from digests.store.outbox import Lane, Status


async def chat_counts(session: AsyncSession) -> tuple[int, int]:
    """How many chats are active, and how many inactive (blocked, kicked, deleted)."""
    rows = await session.execute(select(Chat.active, func.count()).group_by(Chat.active))
    counts = {bool(active): int(n) for active, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


def _sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def utc_day(session: AsyncSession, column: Any) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a UTC timestamp column (SQLite keeps them as naive UTC text)."""
    if _sqlite(session):
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def _seconds_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[float]:
    if _sqlite(session):
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


async def digest_lateness(session: AsyncSession, since: datetime) -> tuple[int, list[float]]:
    """Digest messages sent since ``since``, and ``sent_at - due_at`` in seconds of those
    that had a due time."""
    lateness = _seconds_between(session, OutboxMessage.sent_at, OutboxMessage.due_at)
    rows = await session.execute(
        select(lateness).where(
            OutboxMessage.lane == int(Lane.DIGEST),
            OutboxMessage.status == Status.SENT.value,
            OutboxMessage.sent_at >= since,
        )
    )
    values = list(rows.scalars())
    return len(values), [float(v) for v in values if v is not None]


async def broadcasts_since(session: AsyncSession, since: datetime) -> int:
    """Broadcasts created since ``since``."""
    count = await session.scalar(
        select(func.count()).select_from(Broadcast).where(Broadcast.created_at >= since)
    )
    return int(count or 0)


async def articles_since(session: AsyncSession, since: datetime) -> int:
    """Articles first seen since ``since``, from every source."""
    count = await session.scalar(
        select(func.count()).select_from(Article).where(Article.first_seen_at >= since)
    )
    return int(count or 0)


async def articles_since_by_source(session: AsyncSession, since: datetime) -> dict[int, int]:
    """Articles first seen since ``since``, by source id (sources without any are absent)."""
    rows = await session.execute(
        select(Article.source_id, func.count())
        .where(Article.first_seen_at >= since)
        .group_by(Article.source_id)
    )
    return {int(source_id): int(n) for source_id, n in rows}


async def first_subscriptions_by_day(
    session: AsyncSession, since: datetime
) -> tuple[int, dict[date, int]]:
    """Chats by the UTC day of their first subscription that still exists: how many came
    before ``since``, and how many on each day from then on."""
    first = (
        select(func.min(Subscription.created_at).label("at"))
        .group_by(Subscription.chat_id)
        .subquery()
    )
    before = await session.scalar(select(func.count()).select_from(first).where(first.c.at < since))
    day = utc_day(session, first.c.at).label("day")
    rows = await session.execute(select(day, func.count()).where(first.c.at >= since).group_by(day))
    return int(before or 0), {date.fromisoformat(str(d)): int(n) for d, n in rows}


async def sent_by_day(session: AsyncSession, since: datetime) -> dict[date, int]:
    """Messages sent since ``since``, by UTC day: the outbox rows still there, plus the
    counts kept in ``sent_per_day`` for those pruned."""
    day = utc_day(session, OutboxMessage.sent_at).label("day")
    rows = await session.execute(
        select(day, func.count())
        .where(OutboxMessage.status == Status.SENT.value, OutboxMessage.sent_at >= since)
        .group_by(day)
    )
    counts = {date.fromisoformat(str(d)): int(n) for d, n in rows}
    first = since.date()
    pruned = await session.execute(
        select(SentPerDay.day, SentPerDay.messages).where(SentPerDay.day >= first.isoformat())
    )
    for d, n in pruned:
        counts[date.fromisoformat(d)] = counts.get(date.fromisoformat(d), 0) + int(n)
    return counts
