"""Adding a source: check the URL, fetch it once, find the feed, store it under its canonical URL.

A web page that announces no feed is still a source when it is an article page or a section
page listing articles (``kind='page'``).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from digests.db import Database
from digests.echo import shorten
from digests.errors import FeedParseError, InvalidInput
from digests.i18n import N_
from digests.sources.canon import canonical_url
from digests.sources.extract import PageContent
from digests.sources.fetch import Fetcher, FetchResult
from digests.sources.guard import check_url
from digests.sources.hygiene import clean_chars
from digests.sources.intervals import DEFAULT_INTERVAL, MIN_INTERVAL
from digests.sources.pages import read_fetched
from digests.sources.parse import discover_feed_url, looks_like_html
from digests.sources.reading import parse_feed_off_loop
from digests.store import sources
from digests.types import FeedEntry, ParsedFeed, SourceInfo


async def _read_source(
    fetcher: Fetcher, url: str, *, allow_private: bool, pages: bool = True
) -> tuple[str, str, ParsedFeed]:
    """The source's kind, URL and contents; a web page announcing a feed is followed once.

    A page that announces no feed is a page source if it is an article or a section page,
    with ``pages``; without, it is a FeedParseError (reading a page costs an extraction).
    """
    fetched: FetchResult = await fetcher.fetch(url, allow_private=allow_private)
    try:
        feed = await parse_feed_off_loop(fetched.body, fetched.url, fetched.charset)
        return "feed", fetched.url, feed
    except FeedParseError:
        if not looks_like_html(fetched.body):
            raise
        found = discover_feed_url(fetched.body, fetched.url)
        if found is None and not pages:
            raise FeedParseError(N_("this page is not a feed and announces none")) from None
        if found is None:
            page = await read_fetched(fetched)
            if page.article is None and not page.is_section:
                raise FeedParseError(
                    N_(
                        "this is a web page that announces no feed and holds no article or "
                        "article links; give the RSS/Atom feed's URL"
                    )
                ) from None
            return "page", fetched.url, _as_feed(page)
    await check_url(found, allow_private=allow_private)
    fetched = await fetcher.fetch(found, allow_private=allow_private)
    return (
        "feed",
        fetched.url,
        await parse_feed_off_loop(fetched.body, fetched.url, fetched.charset),
    )


async def read_feed(fetcher: Fetcher, url: str, *, allow_private: bool) -> tuple[str, ParsedFeed]:
    """The URL and contents of the feed at ``url``, or of the one its page announces with
    ``<link rel="alternate">``. Pages that are not feeds are refused (FeedParseError); so
    are private addresses (SourceRefused) unless ``allow_private``."""
    await check_url(url, allow_private=allow_private)
    _, feed_url, feed = await _read_source(fetcher, url, allow_private=allow_private, pages=False)
    return feed_url, feed


def _as_feed(page: PageContent) -> ParsedFeed:
    """What a page source holds, shown like a feed: its article, or its article links."""
    if page.article is not None:
        article = page.article
        entry = FeedEntry(
            title=article.title,
            url=article.url,
            guid=article.url,
            text=article.text,
            published_at=article.published_at,
        )
        return ParsedFeed(title=page.title, entries=(entry,), link=page.url)
    entries = tuple(FeedEntry(title=link.label, url=link.url, guid=link.url) for link in page.links)
    return ParsedFeed(title=page.title, entries=entries, link=page.url)


def as_url(text: str) -> str:
    """The http(s) URL an admin means by ``text`` ("example.com/feed" gets https://).

    InvalidInput for text that is no address at all ("notaurl", two words): a host needs a
    dot, unless it is an IP address or localhost.
    """
    url = text.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    if any(c.isspace() for c in url) or not (
        "." in host.strip(".") or host == "localhost" or ":" in host
    ):
        raise InvalidInput(
            N_("“%(text)s” is not a URL: send an address such as https://example.com/feed.xml"),
            text=shorten(text),
        )
    return url


async def register_source(
    db: Database,
    fetcher: Fetcher,
    *,
    url: str,
    name: str | None = None,
    every: int | None = None,
    allow_private: bool,
    now: datetime,
) -> tuple[SourceInfo, ParsedFeed]:
    """Add the feed at ``url`` (or the one its page announces), or the page, and say what it holds.

    Refuses with a SourceError a private or unreachable URL, and a page that is neither a feed,
    an article nor a section page; Duplicate if the source is stored already. The name
    defaults to the feed's (or page's) title, else its host. Nothing is stored unless the
    source could be read.
    """
    url = as_url(url)
    interval = DEFAULT_INTERVAL if every is None else every
    if interval < MIN_INTERVAL:
        raise InvalidInput(f"the interval must be at least {MIN_INTERVAL} seconds (1m)")
    await check_url(url, allow_private=allow_private)
    kind, feed_url, feed = await _read_source(fetcher, url, allow_private=allow_private)
    label = " ".join(clean_chars(name or "").split())
    label = label or feed.title or (urlsplit(feed_url).hostname or feed_url)
    async with db.transaction() as session:
        source_id = await sources.add_source(
            session,
            url=canonical_url(feed_url),
            name=label[:256],
            kind=kind,
            fetch_interval=interval,
            now=now,
        )
        info = await sources.get_source_info(session, source_id)
    return info, feed
