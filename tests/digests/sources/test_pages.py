"""Pages as sources, and full text for summary-only feed items: real HTTP server, real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from digests.db import Database
from digests.models import Article
from digests.sources.fetch import Fetcher
from digests.sources.pages import MAX_PAGE_FETCHES
from digests.sources.register import register_source
from digests.sources.update import update_source
from digests.store import sources
from tests.support.feeds import add_feed_source
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)


def _story_path(i: int) -> str:
    return f"/news/2026/02/{i:02d}/river-flood-reaches-town-{i}"


def _article_page(i: int) -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
    <title>Page headline {i} | Daily Example</title>
    <meta property="og:type" content="article">
    <meta property="article:published_time" content="2026-02-17T10:00:00Z"></head><body>
    <header><a href="/">Daily Example</a><nav><a href="/news/">News</a></nav></header>
    <article><h1>Page headline {i}</h1>
    <p>The river flood reached town number {i} on Tuesday night, forcing hundreds of families
    to leave their homes, the regional emergency service said.</p>
    <p>Rescue teams used boats to reach people trapped in the lower streets, and the water
    was still rising on Wednesday morning according to officials.</p>
    <p>Schools will stay closed until the end of the week while engineers check bridges.</p>
    </article><footer>Subscribe to our newsletter</footer></body></html>""".encode()


def _feed(count: int) -> bytes:
    items = "".join(
        f"<item><title>Feed title {i}</title><link>{{base}}{_story_path(i)}</link>"
        f"<guid>story-{i}</guid><description>Flood in town {i}.</description></item>"
        for i in range(1, count + 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Daily Example</title>'
        f"<link>{{base}}/</link>{items}</channel></rss>"
    ).encode()


def _serve_site(server: FeedServer, count: int) -> None:
    for i in range(1, count + 1):
        server.add(_story_path(i), _article_page(i), content_type="text/html")


def _page_hits(server: FeedServer, count: int) -> int:
    return sum(server.hits(_story_path(i)) for i in range(1, count + 1))


async def _articles(db: Database) -> dict[str, Article]:
    async with db.transaction() as session:
        rows = (await session.scalars(select(Article))).all()
        return {row.url: row for row in rows}


async def test_summary_only_items_get_their_pages_fetched_bounded_and_once(
    db: Database, feed_server: FeedServer
) -> None:
    _serve_site(feed_server, 25)
    base = feed_server.url("").rstrip("/")
    feed_server.add("/feed.xml", _feed(25).replace(b"{base}", base.encode()))
    async with db.transaction() as session:
        source_id = await sources.add_source(
            session,
            url=feed_server.url("/feed.xml"),
            name="Daily",
            kind="feed",
            fetch_interval=900,
            now=NOW,
        )
    async with Fetcher() as fetcher:
        report, ids = await update_source(
            db, fetcher, source_id, now=NOW, allow_private=True, enrich=True
        )
        assert report.ok and report.new_articles == 25 == len(ids)
        assert _page_hits(feed_server, 25) == MAX_PAGE_FETCHES == 20
        again, new = await update_source(
            db,
            fetcher,
            source_id,
            now=NOW + timedelta(minutes=15),
            allow_private=True,
            enrich=True,
        )
    assert again.ok and new == []
    assert _page_hits(feed_server, 25) == 20  # stored URLs are never fetched again

    stored = await _articles(db)
    first = stored[base + _story_path(1)]
    assert first.title == "Feed title 1"  # the feed's title is kept
    assert first.text.startswith("The river flood reached town number 1 on Tuesday night")
    assert "Subscribe" not in first.text and "Daily Example" not in first.text
    assert first.lead.startswith("The river flood reached town number 1 on Tuesday night")
    assert first.lead.endswith("the regional emergency service said.")
    assert first.language == "en"
    unfetched = [a for a in stored.values() if not a.text.startswith("The river flood")]
    assert len(unfetched) == 5
    assert all(a.title.startswith("Feed title") for a in unfetched)


async def test_without_enrich_no_page_is_fetched(db: Database, feed_server: FeedServer) -> None:
    _serve_site(feed_server, 3)
    base = feed_server.url("").rstrip("/")
    feed_server.add("/feed.xml", _feed(3).replace(b"{base}", base.encode()))
    async with db.transaction() as session:
        source_id = await sources.add_source(
            session,
            url=feed_server.url("/feed.xml"),
            name="Daily",
            kind="feed",
            fetch_interval=900,
            now=NOW,
        )
    async with Fetcher() as fetcher:
        report, _ = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
    assert report.new_articles == 3 and _page_hits(feed_server, 3) == 0


def _section(count: int) -> bytes:
    links = "".join(
        f'<li><a href="{_story_path(i)}">River flood reaches town {i}</a></li>'
        for i in range(1, count + 1)
    )
    return f"""<html><head><title>News - Daily Example</title></head><body>
    <nav><a href="/">Home</a> <a href="/news/">News</a></nav><h1>News</h1>
    <ul>{links}<li><a href="/news/2026/02/99/this-page-is-only-a-gallery">A gallery of
    photos from the flood</a></li></ul></body></html>""".encode()


async def test_a_section_page_source_stores_its_linked_articles(
    db: Database, feed_server: FeedServer
) -> None:
    _serve_site(feed_server, 24)
    gallery = b"<html><body><h1>Gallery</h1><img src='a.jpg'><img src='b.jpg'></body></html>"
    feed_server.add(
        "/news/2026/02/99/this-page-is-only-a-gallery", gallery, content_type="text/html"
    )
    feed_server.add("/news/", _section(24), content_type="text/html")
    async with Fetcher() as fetcher:
        info, preview = await register_source(
            db, fetcher, url=feed_server.url("/news/"), allow_private=True, now=NOW
        )
        first, ids = await update_source(db, fetcher, info.id, now=NOW, allow_private=True)
        second, more = await update_source(
            db, fetcher, info.id, now=NOW + timedelta(minutes=15), allow_private=True
        )
        third, none = await update_source(
            db, fetcher, info.id, now=NOW + timedelta(minutes=30), allow_private=True
        )
    assert info.kind == "page" and info.name == "News"  # the page's one <h1>
    assert len(preview.entries) == 25
    assert preview.entries[0].title == "River flood reaches town 1"
    assert first.ok and first.new_articles == 20 == len(ids)  # bounded per update
    assert second.ok and second.new_articles == 4 == len(more)  # the gallery is no article
    assert third.ok and none == []
    assert _page_hits(feed_server, 24) == 24  # each article page fetched once
    stored = await _articles(db)
    assert len(stored) == 24
    article = stored[feed_server.url(_story_path(3))]
    assert article.title == "Page headline 3"
    assert article.lead.startswith("The river flood reached town number 3")
    assert article.published_at == datetime(2026, 2, 17, 10, 0, tzinfo=UTC)


async def test_a_page_that_is_neither_feed_article_nor_section_is_refused(
    db: Database, feed_server: FeedServer
) -> None:
    about = b"<html><head><title>About us</title></head><body><p>We are a club.</p></body></html>"
    feed_server.add("/about", about, content_type="text/html")
    async with Fetcher() as fetcher:
        try:
            await register_source(
                db, fetcher, url=feed_server.url("/about"), allow_private=True, now=NOW
            )
        except Exception as exc:
            assert "holds no article" in str(exc)
        else:
            raise AssertionError("an about page was accepted as a source")
    async with db.transaction() as session:
        assert await sources.list_sources(session) == []


async def test_a_malformed_article_redirect_costs_only_that_item(
    db: Database, feed_server: FeedServer
) -> None:
    _serve_site(feed_server, 3)
    feed_server.redirect(_story_path(2), "http://example.com:notaport/x")
    base = feed_server.url("").rstrip("/")
    feed_server.add("/feed.xml", _feed(3).replace(b"{base}", base.encode()))
    source_id = await add_feed_source(db, feed_server.url("/feed.xml"), "Daily", now=NOW)
    async with Fetcher() as fetcher:
        report, ids = await update_source(
            db, fetcher, source_id, now=NOW, allow_private=True, enrich=True
        )
    assert report.ok and report.new_articles == 3 == len(ids)
    stored = await _articles(db)
    assert stored[base + _story_path(1)].text.startswith("The river flood reached town number 1")
    assert stored[base + _story_path(2)].text == "Flood in town 2."  # the feed's own text
    assert stored[base + _story_path(3)].text.startswith("The river flood reached town number 3")


async def test_a_feed_redirecting_to_a_malformed_url_records_a_readable_error(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.redirect("/feed.xml", "http://example.com:notaport/x")
    source_id = await add_feed_source(db, feed_server.url("/feed.xml"), "Daily", now=NOW)
    async with Fetcher() as fetcher:
        report, _ = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
    assert not report.ok
    assert report.error == "HTTP 302 redirect to a malformed URL: http://example.com:notaport/x"
