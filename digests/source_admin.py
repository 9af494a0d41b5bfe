"""Admin use cases over sources: add with a check, pause, resume, remove, health pages, OPML.

Adding fetches the URL once (``sources.register.register_source``) so an admin sees at once
what the source holds, or one line saying why it cannot be added. OPML import checks every
feed the same way, a few at a time, and reports each as added, already present or failed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from digests import opml
from digests.db import Database
from digests.errors import Duplicate, NewsbotError
from digests.sources.canon import canonical_url
from digests.sources.fetch import Fetcher
from digests.sources.intervals import MIN_INTERVAL
from digests.sources.register import register_source
from digests.store import sources as source_store
from digests.store import stats as stats_store
from digests.types import FeedEntry, ParsedFeed, SourceInfo

PER_PAGE = 8
IMPORT_PARALLEL = 8
HEALTH_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source with its health and how many articles it brought in the last 24 hours."""

    info: SourceInfo
    articles_24h: int


@dataclass(frozen=True, slots=True)
class SourcePage:
    """One page of the admin's source list (``page`` counts from 0)."""

    items: tuple[SourceHealth, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class AddedSource:
    """What adding a source found: the stored source and a glimpse of its contents."""

    info: SourceInfo
    feed_title: str
    item_count: int
    newest_title: str | None


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What became of one feed of an OPML file: ``added``, ``present`` or ``failed``."""

    url: str
    name: str
    status: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """Every feed of an imported OPML file, in file order, with its outcome."""

    outcomes: tuple[ImportOutcome, ...]

    def with_status(self, status: str) -> tuple[ImportOutcome, ...]:
        """The outcomes with this status."""
        return tuple(o for o in self.outcomes if o.status == status)


async def source_page(
    db: Database, page: int, *, now: datetime, per_page: int = PER_PAGE
) -> SourcePage:
    """Page ``page`` of the sources by name (clamped to the pages there are), with health."""
    async with db.transaction() as session:
        everything = await source_store.list_sources(session)
        recent = await stats_store.articles_since_by_source(session, now - HEALTH_WINDOW)
    pages = max(1, math.ceil(len(everything) / per_page))
    page = min(max(page, 0), pages - 1)
    shown = everything[page * per_page : (page + 1) * per_page]
    return SourcePage(
        items=tuple(SourceHealth(s, recent.get(s.id, 0)) for s in shown),
        page=page,
        pages=pages,
        total=len(everything),
    )


def newest_entry(entries: Sequence[FeedEntry]) -> FeedEntry | None:
    """The entry with the latest date; the feed's first entry when none has a date."""
    dated = [e for e in entries if e.published_at is not None]
    if dated:
        return max(dated, key=lambda e: e.published_at or datetime.min)
    return entries[0] if entries else None


def _found(info: SourceInfo, feed: ParsedFeed) -> AddedSource:
    newest = newest_entry(feed.entries)
    return AddedSource(
        info=info,
        feed_title=feed.title,
        item_count=len(feed.entries),
        newest_title=newest.title if newest is not None else None,
    )


async def add_source(
    db: Database,
    fetcher: Fetcher,
    *,
    url: str,
    name: str | None,
    every: int,
    allow_private: bool,
    now: datetime,
) -> AddedSource:
    """Fetch ``url`` once and store it as a source; SourceError/Duplicate/InvalidInput if not."""
    info, feed = await register_source(
        db, fetcher, url=url, name=name, every=every, allow_private=allow_private, now=now
    )
    return _found(info, feed)


async def get_source(db: Database, source_id: int) -> SourceInfo:
    """One source; NotFound if it was removed."""
    async with db.transaction() as session:
        return await source_store.get_source_info(session, source_id)


async def set_paused(db: Database, source_id: int, paused: bool) -> SourceInfo:
    """Pause (no scheduled fetches) or resume a source; NotFound if it was removed."""
    async with db.transaction() as session:
        return await source_store.set_paused(session, source_id, paused)


async def remove_source(db: Database, source: int | str) -> SourceInfo:
    """Delete a source (by id or URL) and its articles; NotFound if it was removed already."""
    async with db.transaction() as session:
        return await source_store.remove_source(session, str(source))


async def all_sources(db: Database) -> list[SourceInfo]:
    """Every source with its health and stored article count, by name."""
    async with db.transaction() as session:
        return await source_store.list_sources(session)


async def active_source_ids(db: Database) -> list[int]:
    """The ids of the sources that are not paused, for a fetch of everything now."""
    async with db.transaction() as session:
        return [s.id for s in await source_store.active_schedules(session)]


async def export_opml(db: Database, *, now: datetime) -> tuple[bytes, int]:
    """Every curated source as an OPML 2.0 document, with names and intervals; and how many.

    Chats' own feeds are left out: imported elsewhere they would become curated sources,
    shown to every chat.
    """
    async with db.transaction() as session:
        everything = await source_store.list_sources(session)
    feeds = [
        opml.OpmlFeed(s.url, s.name, s.fetch_interval, s.kind)
        for s in everything
        if s.origin != "user"
    ]
    return opml.write_opml(feeds, title="newsbot sources", now=now), len(feeds)


async def import_opml(
    db: Database,
    fetcher: Fetcher,
    data: bytes,
    *,
    default_interval: int,
    allow_private: bool,
    now: datetime,
) -> ImportReport:
    """Add every feed of an OPML document, each checked by fetching it once.

    InvalidInput if the data is not OPML. A feed stored already is reported ``present``
    without being fetched; one that cannot be read is ``failed`` with the reason.
    """
    feeds = opml.parse_opml(data)
    async with db.transaction() as session:
        known = {s.url for s in await source_store.list_sources(session)}
    gate = asyncio.Semaphore(IMPORT_PARALLEL)

    async def one(feed: opml.OpmlFeed) -> ImportOutcome:
        try:
            present = canonical_url(feed.url) in known
        except (ValueError, NewsbotError):
            present = False
        if present:
            return ImportOutcome(feed.url, feed.name, "present")
        interval = feed.interval if feed.interval and feed.interval >= MIN_INTERVAL else None
        async with gate:
            try:
                info, _ = await register_source(
                    db,
                    fetcher,
                    url=feed.url,
                    name=feed.name or None,
                    every=interval or default_interval,
                    allow_private=allow_private,
                    now=now,
                )
            except Duplicate:
                return ImportOutcome(feed.url, feed.name, "present")
            except (NewsbotError, ValueError) as exc:
                return ImportOutcome(feed.url, feed.name, "failed", str(exc) or type(exc).__name__)
        return ImportOutcome(info.url, info.name, "added")

    return ImportReport(tuple(await asyncio.gather(*(one(feed) for feed in feeds))))
