"""The seed page end to end: served as a web page, added as a page source, fetched, stored.

The seed is the text a reader's browser shows; the test rebuilds the page around it the way
news sites lay one out (site header with name and motto, a date, the title twice, paragraphs,
a captioned photo, a sub-heading, then a newsletter box, ~55 related headlines, a player and
close buttons) and checks that only the article comes out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from html import escape

import pytest
from sqlalchemy import select

from digests.db import Database
from digests.models import Article
from digests.sources.fetch import Fetcher
from digests.sources.register import register_source
from digests.sources.update import update_source
from tests.conftest import SEED
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
PATH = "/2025/05/31/deadly-isis-prison-break-attempt-fuels-fears-of-resurgence"
TITLE = "Deadly ISIS prison break attempt fuels fears of the group's resurgence"
SUBHEADING = "'Break down the fences'"
CAPTION_START = "This photo provided by"


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """A FeedServer on 127.0.0.1 for one test."""
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


def _seed_lines() -> list[str]:
    return (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()


def _seed_parts() -> tuple[list[str], list[str]]:
    """The article's paragraphs (title excluded) and the related headlines after the player."""
    lines = [line.strip() for line in _seed_lines()]
    start = max(i for i, line in enumerate(lines) if line == TITLE) + 1
    end = lines.index("Newsletter")
    body = [line for line in lines[start:end] if line]
    close = lines.index("Close", end)
    headlines = [line for line in lines[close + 1 :] if line]
    return body, headlines


def seed_page_html() -> str:
    """A page as the Arab Press site would serve the seed article."""
    lines = [line.strip() for line in _seed_lines()]
    site, motto, date = lines[0], lines[2], lines[3]
    body, headlines = _seed_parts()
    article: list[str] = []
    for paragraph in body:
        text = escape(paragraph)
        if paragraph.startswith(CAPTION_START):
            article.append(
                f'<figure><img src="/img/sdf.jpg" alt=""><figcaption>{text}</figcaption></figure>'
            )
        elif paragraph == SUBHEADING:
            article.append(f"<h2>{text}</h2>")
        else:
            article.append(f"<p>{text}</p>")
    related = "\n".join(
        f'<li><a href="/2025/05/{i:02d}/story-{i}-{escape(h[:20]).replace(" ", "-")}">'
        f"{escape(h)}</a></li>"
        for i, h in enumerate(headlines, start=1)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(TITLE)} - {escape(site)}</title>
<meta property="og:type" content="article">
<meta property="og:title" content="{escape(TITLE)}">
<meta property="og:site_name" content="{escape(site)}">
</head><body>
<header class="site-header"><div class="logo"><a href="/">{escape(site)}</a></div>
<div class="motto" dir="rtl">{escape(motto)}</div>
<div class="today">{escape(date)}</div>
<nav><ul><li><a href="/politics">Politics</a></li><li><a href="/world">World</a></li></ul></nav>
</header>
<main><article>
<h1 class="entry-title">{escape(TITLE)}</h1>
<div class="entry-meta"><time datetime="2025-05-31">{escape(date)}</time></div>
<h2 class="subtitle">{escape(TITLE)}</h2>
<div class="entry-content">
{chr(10).join(article)}
</div>
</article>
<aside class="newsletter"><h3>Newsletter</h3><form><input type="email">
<button>Subscribe</button></form><button class="close">×</button></aside>
<section class="related"><h3>Related Articles</h3>
<div class="player"><span>{escape(site)}</span><span class="time">0:00</span>
<span class="duration">0:00</span><button>Close</button></div>
<ul>{related}</ul></section>
</main>
<footer><p>© 2025 {escape(site)}</p><button class="dismiss">×</button></footer>
</body></html>"""


async def test_seed_page_source_stores_only_the_article(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.add(PATH, seed_page_html().encode("utf-8"), content_type="text/html")
    body, headlines = _seed_parts()
    async with Fetcher() as fetcher:
        info, preview = await register_source(
            db, fetcher, url=feed_server.url(PATH), allow_private=True, now=NOW
        )
        report, ids = await update_source(db, fetcher, info.id, now=NOW, allow_private=True)
    assert info.kind == "page" and info.name == TITLE
    assert [entry.title for entry in preview.entries] == [TITLE]
    assert report.ok and report.new_articles == 1 == len(ids)
    async with db.transaction() as session:
        article = await session.scalar(select(Article).where(Article.id == ids[0]))
        assert article is not None
        title, text, lead, language = article.title, article.text, article.lead, article.language

    assert title == TITLE
    assert TITLE not in text  # one title: the heading repeated above the body is gone
    paragraphs = text.splitlines()
    assert paragraphs[0].startswith("At least seven fighters from the US-allied")
    assert SUBHEADING in paragraphs
    for paragraph in body:
        if not paragraph.startswith(CAPTION_START):
            assert paragraph in text
    for chrome in ("Arab Press", "بالشعب", "Newsletter", "Related Articles", "0:00", "×"):
        assert chrome not in text
    assert "Close" not in paragraphs
    assert not [h for h in headlines if h in text]
    assert "Bitcoin" not in text and "NBA" not in text

    assert lead.startswith("At least seven fighters from the US-allied Syrian Democratic Forces")
    assert lead.endswith("quietly resurging.") and len(lead) <= 300
    assert CAPTION_START not in lead and TITLE not in lead
    assert language == "en"


async def test_seed_page_is_not_fetched_again_once_stored(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.add(PATH, seed_page_html().encode("utf-8"), content_type="text/html")
    async with Fetcher() as fetcher:
        info, _ = await register_source(
            db, fetcher, url=feed_server.url(PATH), allow_private=True, now=NOW
        )
        first, _ = await update_source(db, fetcher, info.id, now=NOW, allow_private=True)
        again, ids = await update_source(db, fetcher, info.id, now=NOW, allow_private=True)
    assert first.new_articles == 1
    assert again.ok and again.new_articles == 0 and ids == []
