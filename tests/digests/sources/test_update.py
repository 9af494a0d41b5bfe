"""update_source / update_all end to end: real HTTP server, real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.models import Article
from digests.sources.fetch import Fetcher
from digests.sources.update import update_all, update_source
from digests.store import sources
from digests.types import FetchReport, NewArticle
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
BBC = "/corpus/feeds/ffp-bbc-news-world.xml"


async def _source(db: Database, url: str, name: str) -> int:
    async with db.transaction() as session:
        return await sources.add_source(
            session, url=url, name=name, kind="feed", fetch_interval=900, now=NOW
        )


async def test_one_broken_source_does_not_stop_the_good_one(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.add("/broken.xml", b"<html><body>Oops</body></html>", content_type="text/html")
    good = await _source(db, feed_server.url(BBC), "BBC")
    bad = await _source(db, feed_server.url("/broken.xml"), "Broken")
    done: list[FetchReport] = []
    matched: list[int] = []

    async def after_store(session: AsyncSession, new: list[NewArticle]) -> None:
        # The hook gets the values just stored, in the same transaction.
        matched.extend(a.id for a in new)
        stored = await session.execute(
            select(Article.id, Article.title, Article.url, Article.sort_at).where(
                Article.id.in_([a.id for a in new])
            )
        )
        assert sorted(stored.all()) == sorted((a.id, a.title, a.url, a.sort_at) for a in new)

    async with Fetcher() as fetcher:
        summary = await update_all(
            db, fetcher, now=NOW, allow_private=True, after_store=after_store, on_done=done.append
        )
    assert (summary.ok, summary.failed) == (1, 1)
    assert summary.new_articles == 33 == len(matched)
    assert {r.source_id for r in done} == {good, bad}
    async with db.transaction() as session:
        by_id = {s.id: s for s in await sources.list_sources(session)}
    assert by_id[good].article_count == 33 and by_id[good].last_error is None
    assert by_id[bad].consecutive_failures == 1
    assert by_id[bad].last_error == "this is a web page, not a feed"
    assert by_id[bad].article_count == 0


async def test_unchanged_feed_is_not_parsed_again(db: Database, feed_server: FeedServer) -> None:
    source_id = await _source(db, feed_server.url(BBC), "BBC")
    async with Fetcher() as fetcher:
        first, ids = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
        second, again = await update_source(
            db, fetcher, source_id, now=NOW + timedelta(minutes=15), allow_private=True
        )
    assert first.ok and first.new_articles == len(ids) == 33
    assert second.ok and second.not_modified and again == []
    assert feed_server.request_headers[-1][1].get("If-None-Match")


async def test_unreachable_source_is_recorded_not_raised(db: Database) -> None:
    source_id = await _source(db, "http://127.0.0.1:1/feed.xml", "Down")
    async with Fetcher(timeout=5) as fetcher:
        report, ids = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
        private, _ = await update_source(db, fetcher, source_id, now=NOW, allow_private=False)
    assert not report.ok and ids == [] and report.error == "cannot connect to 127.0.0.1"
    assert not private.ok and "private or local" in (private.error or "")
    async with db.transaction() as session:
        (info,) = await sources.list_sources(session)
    assert info.consecutive_failures == 2
