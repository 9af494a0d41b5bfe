"""register_source, and fetch intervals read and shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digests.db import Database
from digests.errors import Duplicate, FeedParseError, FetchError, InvalidInput, SourceRefused
from digests.sources.fetch import Fetcher
from digests.sources.intervals import format_interval, parse_interval
from digests.sources.register import register_source
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
BBC = "/corpus/feeds/ffp-bbc-news-world.xml"


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("2h", 7200), ("900", 900), ("1d", 86400), ("90s", 90)]
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "shown"), [(900, "15m"), (7200, "2h"), (86400, "24h"), (90, "90s")]
)
def test_an_interval_is_shown_as_it_would_be_typed(seconds: int, shown: str) -> None:
    assert format_interval(seconds) == shown
    assert parse_interval(shown) == seconds


@pytest.mark.parametrize("text", ["30s", "0", "soon", "5x", ""])
def test_parse_interval_refuses_bad_or_short_values(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_interval(text)


async def test_register_a_feed_names_it_after_its_title(
    db: Database, feed_server: FeedServer
) -> None:
    async with Fetcher() as fetcher:
        info, feed = await register_source(
            db, fetcher, url=feed_server.url(BBC), allow_private=True, now=NOW, every=1800
        )
        with pytest.raises(Duplicate):
            await register_source(
                db, fetcher, url=feed_server.url(BBC), allow_private=True, now=NOW
            )
    assert (info.name, info.url, info.fetch_interval) == ("BBC News", feed_server.url(BBC), 1800)
    assert len(feed.entries) == 33


async def test_register_a_homepage_follows_its_feed_link(
    db: Database, feed_server: FeedServer
) -> None:
    page = f'<html><head><link rel="alternate" type="application/rss+xml" href="{BBC}"></head>'
    feed_server.add("/", page.encode(), content_type="text/html")
    async with Fetcher() as fetcher:
        info, feed = await register_source(
            db, fetcher, url=feed_server.url("/"), name="My BBC", allow_private=True, now=NOW
        )
    assert (info.name, info.url) == ("My BBC", feed_server.url(BBC))
    assert feed.title == "BBC News"


async def test_register_refuses_pages_private_hosts_and_dead_urls(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.add("/page", b"<html><body>no feed here</body></html>", content_type="text/html")
    async with Fetcher(timeout=5) as fetcher:
        with pytest.raises(FeedParseError, match="announces no feed"):
            await register_source(
                db, fetcher, url=feed_server.url("/page"), allow_private=True, now=NOW
            )
        with pytest.raises(SourceRefused):
            await register_source(
                db, fetcher, url=feed_server.url(BBC), allow_private=False, now=NOW
            )
        with pytest.raises(FetchError):
            await register_source(
                db, fetcher, url="http://127.0.0.1:1/feed", allow_private=True, now=NOW
            )
