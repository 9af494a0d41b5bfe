"""Big inputs stay cheap: a 40,000-item feed is stored whole on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from digests.db import Database
from digests.models import Article
from digests.sources.fetch import Fetcher
from digests.sources.update import update_source
from tests.support.feeds import add_feed_source, big_rss
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_40000_item_feed_is_stored_whole(db: Database, feed_server: FeedServer) -> None:
    # One INSERT of 40,000 rows would bind 400,000 parameters: asyncpg takes 32,767.
    feed_server.add("/big.xml", big_rss(40_000))
    source_id = await add_feed_source(db, feed_server.url("/big.xml"), "Big", now=NOW)
    async with Fetcher(max_bytes=50_000_000) as fetcher:
        report, ids = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
    assert report.ok, report.error
    assert report.new_articles == len(ids) == len(set(ids)) == 40_000
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Article)) == 40_000
        lead = await session.scalar(select(Article.lead).where(Article.id == ids[-1]))
    assert lead == "Flood waters rose in town 39999 overnight, officials said on Monday."
