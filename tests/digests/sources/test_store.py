"""store.sources and store.articles on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from digests.db import Database
from digests.errors import Duplicate, NotFound
from digests.models import Article
from digests.store import articles, sources
from digests.types import FeedEntry

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)


async def _source(db: Database, url: str, name: str = "S", interval: int = 900) -> int:
    async with db.transaction() as session:
        return await sources.add_source(
            session, url=url, name=name, kind="feed", fetch_interval=interval, now=NOW
        )


def _entry(guid: str, url: str, title: str = "T", published: datetime | None = None) -> FeedEntry:
    return FeedEntry(title=title, url=url, guid=guid, published_at=published)


async def test_add_source_refuses_the_same_url_twice(db: Database) -> None:
    await _source(db, "https://Example.com/feed.xml")
    with pytest.raises(Duplicate):
        await _source(db, "https://example.com/feed.xml#x")


async def test_find_list_and_remove_source(db: Database) -> None:
    source_id = await _source(db, "https://a.example/feed", name="Alpha")
    async with db.transaction() as session:
        await articles.insert_new_articles(
            session, source_id, [_entry("1", "https://a.example/1")], NOW
        )
    async with db.transaction() as session:
        assert (await sources.find_source(session, str(source_id))) is not None
        found = await sources.find_source(session, "https://A.example/feed")
        assert found is not None and found.id == source_id
        listed = await sources.list_sources(session)
        assert [(s.name, s.article_count) for s in listed] == [("Alpha", 1)]
        removed = await sources.remove_source(session, str(source_id))
        assert removed.name == "Alpha"
    async with db.transaction() as session:
        assert await sources.list_sources(session) == []
        with pytest.raises(NotFound):
            await sources.remove_source(session, "https://a.example/feed")


async def test_due_sources_follow_interval_and_pause(db: Database) -> None:
    fresh = await _source(db, "https://a.example/feed", interval=600)
    stale = await _source(db, "https://b.example/feed", interval=600)
    paused = await _source(db, "https://c.example/feed", interval=600)
    async with db.transaction() as session:
        await sources.record_success(session, fresh, now=NOW, etag=None, last_modified=None)
        await sources.record_failure(
            session, stale, now=NOW - timedelta(minutes=10), error="HTTP 500"
        )
        source = await sources.find_source(session, str(paused))
        assert source is not None
        source.paused = True
    async with db.transaction() as session:
        assert await sources.due_source_ids(session, NOW) == [stale]
        assert await sources.due_source_ids(session, NOW + timedelta(minutes=10)) == [fresh, stale]


async def test_health_is_recorded(db: Database) -> None:
    source_id = await _source(db, "https://a.example/feed")
    async with db.transaction() as session:
        await sources.record_failure(session, source_id, now=NOW, error="timed out after 20 s")
        await sources.record_failure(session, source_id, now=NOW, error="HTTP 503")
    async with db.transaction() as session:
        (info,) = await sources.list_sources(session)
        assert (info.last_error, info.consecutive_failures, info.last_success_at) == (
            "HTTP 503",
            2,
            None,
        )
        await sources.record_success(session, source_id, now=NOW, etag='"e1"', last_modified=None)
    async with db.transaction() as session:
        (info,) = await sources.list_sources(session)
        assert (info.last_error, info.consecutive_failures, info.last_success_at) == (None, 0, NOW)
        source = await sources.find_source(session, str(source_id))
        assert source is not None and source.etag == '"e1"'


async def test_articles_are_stored_once_by_guid_and_by_url(db: Database) -> None:
    one = await _source(db, "https://a.example/feed")
    two = await _source(db, "https://b.example/feed")
    batch = [
        _entry("g1", "https://news.example/1?utm_source=rss"),
        _entry("g1", "https://news.example/1-again"),  # same guid twice in one feed
        _entry("g2", "https://news.example/2"),
        _entry("g3", "https://NEWS.example/2#top"),  # same URL as g2
    ]
    async with db.transaction() as session:
        first = await articles.insert_new_articles(session, one, batch, NOW)
    assert len(first) == 2
    async with db.transaction() as session:
        again = await articles.insert_new_articles(session, one, batch, NOW)
        elsewhere = await articles.insert_new_articles(
            session,
            two,
            [_entry("x", "https://news.example/2"), _entry("y", "https://news.example/3")],
            NOW,
        )
    assert again == []
    assert len(elsewhere) == 1
    async with db.transaction() as session:
        urls = set(await session.scalars(select(Article.url)))
        assert urls == {
            "https://news.example/1",
            "https://news.example/2",
            "https://news.example/3",
        }
        assert await session.scalar(select(func.count()).select_from(Article)) == 3


async def test_sort_at_never_lies_in_the_future(db: Database) -> None:
    source_id = await _source(db, "https://a.example/feed")
    past = NOW - timedelta(hours=3)
    entries = [
        _entry("past", "https://n.example/past", published=past),
        _entry("future", "https://n.example/future", published=NOW + timedelta(days=2)),
        _entry("undated", "https://n.example/undated"),
        _entry("nolink", ""),
    ]
    async with db.transaction() as session:
        ids = await articles.insert_new_articles(session, source_id, entries, NOW)
    assert len(ids) == 3
    async with db.transaction() as session:
        rows = {
            a.guid: (a.sort_at, a.first_seen_at, a.published_at)
            for a in await session.scalars(select(Article))
        }
    assert rows["past"] == (past, NOW, past)
    assert rows["future"][0] == NOW
    assert rows["undated"] == (NOW, NOW, None)
