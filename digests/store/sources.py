"""SQL for the sources table: adding, listing, finding, scheduling and recording fetch health.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.errors import Duplicate, NotFound
from digests.models import Article, Source
from digests.sources.canon import canonical_url
from digests.store import user_feeds
from digests.types import SourceInfo

_ERROR_LIMIT = 500


async def add_source(
    session: AsyncSession,
    *,
    url: str,
    name: str,
    kind: str,
    fetch_interval: int,
    now: datetime,
    origin: str = "admin",
) -> int:
    """Store a new source and return its id; Duplicate if a source with this URL exists."""
    url = canonical_url(url)
    existing = await session.scalar(select(Source.id).where(Source.url == url))
    if existing is not None:
        raise Duplicate(f"source {url} exists already (id {existing})")
    source = Source(
        url=url,
        name=name,
        kind=kind,
        origin=origin,
        fetch_interval=fetch_interval,
        paused=False,
        consecutive_failures=0,
        created_at=now,
    )
    session.add(source)
    await session.flush()
    return source.id


def _info(source: Source, article_count: int = 0, owners: int = 0) -> SourceInfo:
    return SourceInfo(
        id=source.id,
        name=source.name,
        url=source.url,
        kind=source.kind,
        fetch_interval=source.fetch_interval,
        paused=source.paused,
        last_fetch_at=source.last_fetch_at,
        last_success_at=source.last_success_at,
        last_error=source.last_error,
        consecutive_failures=source.consecutive_failures,
        article_count=article_count,
        origin=source.origin,
        owners=owners,
    )


async def _article_count(session: AsyncSession, source_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Article).where(Article.source_id == source_id)
    )
    return int(count or 0)


async def list_sources(session: AsyncSession) -> list[SourceInfo]:
    """Every source with its health, how many articles it has stored and how many chats
    added it with /addfeed, by name."""
    counts = (
        select(Article.source_id, func.count().label("n")).group_by(Article.source_id).subquery()
    )
    rows = await session.execute(
        select(Source, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == Source.id)
        .order_by(func.lower(Source.name), Source.id)
    )
    owners = await user_feeds.owner_counts(session)
    return [_info(source, int(count), owners.get(source.id, 0)) for source, count in rows]


async def get_source_info(session: AsyncSession, source_id: int) -> SourceInfo:
    """One source as a SourceInfo; NotFound if it does not exist."""
    source = await session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source with id {source_id}")
    owners = (await user_feeds.owners_of(session, [source_id])).get(source_id, ())
    return _info(source, await _article_count(session, source_id), len(owners))


async def find_source(session: AsyncSession, id_or_url: str) -> Source | None:
    """The source with this id (digits) or URL (compared in canonical form), or None."""
    key = id_or_url.strip()
    if key.isdigit():
        return await session.get(Source, int(key))
    return await session.scalar(select(Source).where(Source.url == canonical_url(key)))


async def remove_source(session: AsyncSession, id_or_url: str) -> SourceInfo:
    """Delete a source (its articles and the feed topics of the chats that added it go with
    it) and return what it was; NotFound if absent."""
    source = await find_source(session, id_or_url)
    if source is None:
        raise NotFound(f"no source {id_or_url!r}; see the source list for ids")
    info = await get_source_info(session, source.id)
    await user_feeds.delete_feed_topics(session, source.id)
    await session.delete(source)
    await session.flush()
    return info


@dataclass(frozen=True, slots=True)
class FetchSchedule:
    """What scheduling a source's fetches needs, without its health or article count."""

    id: int
    fetch_interval: int
    last_fetch_at: datetime | None


async def active_schedules(session: AsyncSession) -> list[FetchSchedule]:
    """Every unpaused source's interval and last fetch: cheap enough to read every minute."""
    rows = await session.execute(
        select(Source.id, Source.fetch_interval, Source.last_fetch_at)
        .where(Source.paused.is_(False))
        .order_by(Source.id)
    )
    return [FetchSchedule(source_id, interval, last) for source_id, interval, last in rows]


async def due_source_ids(session: AsyncSession, now: datetime) -> list[int]:
    """Ids of unpaused sources never fetched, or whose last fetch is ``fetch_interval`` old."""
    rows = await session.execute(
        select(Source.id, Source.last_fetch_at, Source.fetch_interval)
        .where(Source.paused.is_(False))
        .order_by(Source.id)
    )
    # Filtered here: interval arithmetic on timestamps differs between SQLite and PostgreSQL,
    # and a bot has hundreds of sources, not millions.
    return [
        source_id
        for source_id, last, interval in rows
        if last is None or last + timedelta(seconds=interval) <= now
    ]


@dataclass(frozen=True, slots=True)
class ClaimedSource:
    """A due source this worker now fetches; nobody else will until ``held_until``."""

    id: int
    fetch_interval: int
    held_until: datetime


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, *, hold: float
) -> list[ClaimedSource]:
    """Claim up to ``limit`` unpaused sources whose ``next_fetch_at`` has come (or is unset).

    One statement moves each claimed source's ``next_fetch_at`` to ``hold`` seconds from now:
    on PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED``, so workers claiming at
    once get different sources and none is fetched twice in an interval (the worker sets the
    real next time when its fetch ends); on SQLite the statement takes the write lock. A
    worker killed mid-fetch leaves its sources due again once ``hold`` has passed.
    """
    held_until = now + timedelta(seconds=hold)
    due = (
        select(Source.id)
        .where(
            Source.paused.is_(False),
            or_(Source.next_fetch_at.is_(None), Source.next_fetch_at <= now),
        )
        .order_by(Source.next_fetch_at.asc().nulls_first(), Source.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        update(Source)
        .where(Source.id.in_(due))
        .values(next_fetch_at=held_until)
        .returning(Source.id, Source.fetch_interval)
        .execution_options(synchronize_session=False)
    )
    claimed = [ClaimedSource(source_id, interval, held_until) for source_id, interval in rows]
    return sorted(claimed, key=lambda c: c.id)


async def schedule_next(session: AsyncSession, source_id: int, at: datetime) -> None:
    """Make the source due again at ``at`` (after a fetch: its interval from now)."""
    await _set_next(session, [(source_id, at)])


async def _set_next(session: AsyncSession, due: Sequence[tuple[int, datetime]]) -> None:
    table = cast(Table, Source.__table__)
    connection = await session.connection()
    await connection.execute(
        update(table)
        .where(table.c.id == bindparam("source_id"))
        .values(next_fetch_at=bindparam("due_at")),
        [{"source_id": source_id, "due_at": at} for source_id, at in due],
    )


async def _load(session: AsyncSession, source_id: int) -> Source:
    source = await session.get(Source, source_id)
    if source is None:
        raise NotFound(f"no source with id {source_id}")
    return source


async def record_success(
    session: AsyncSession,
    source_id: int,
    *,
    now: datetime,
    etag: str | None,
    last_modified: str | None,
) -> None:
    """A fetch worked (or was not modified): clear the error and keep the new validators."""
    source = await _load(session, source_id)
    source.last_fetch_at = now
    source.last_success_at = now
    source.last_error = None
    source.consecutive_failures = 0
    source.etag = etag[:512] if etag else None
    source.last_modified = last_modified[:128] if last_modified else None
    await session.flush()


async def record_failure(
    session: AsyncSession, source_id: int, *, now: datetime, error: str
) -> None:
    """A fetch failed: keep the message and count the failures in a row."""
    source = await _load(session, source_id)
    source.last_fetch_at = now
    source.last_error = error[:_ERROR_LIMIT]
    source.consecutive_failures = (source.consecutive_failures or 0) + 1
    await session.flush()


async def set_paused(session: AsyncSession, source_id: int, paused: bool) -> SourceInfo:
    """Pause or resume a source's scheduled fetches; NotFound if it does not exist."""
    source = await _load(session, source_id)
    source.paused = paused
    await session.flush()
    return await get_source_info(session, source_id)
