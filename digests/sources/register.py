"""Adding a source: check the URL, fetch it once, find the feed, store it under its canonical URL.

Also the parser of fetch intervals people type ("15m", "2h", "1d", "900").
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from digests.db import Database
from digests.errors import FeedParseError, InvalidInput
from digests.sources.canon import canonical_url
from digests.sources.fetch import Fetcher, FetchResult
from digests.sources.guard import check_url
from digests.sources.parse import discover_feed_url, looks_like_html, parse_feed
from digests.store import sources
from digests.types import ParsedFeed, SourceInfo

DEFAULT_INTERVAL = 900
MIN_INTERVAL = 60
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> int:
    """Seconds from ``"900"``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``; at least 60 s."""
    match = _INTERVAL.match(text)
    if not match:
        raise InvalidInput(f"expected an interval like 15m, 2h, 1d or 900 (seconds), got {text!r}")
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < MIN_INTERVAL:
        raise InvalidInput(f"the interval must be at least {MIN_INTERVAL} seconds (1m)")
    return seconds


async def _read_feed(fetcher: Fetcher, url: str, *, allow_private: bool) -> tuple[str, ParsedFeed]:
    """The feed's URL and contents; a web page announcing a feed is followed once."""
    fetched: FetchResult = await fetcher.fetch(url, allow_private=allow_private)
    try:
        return fetched.url, parse_feed(fetched.body, url=fetched.url, charset=fetched.charset)
    except FeedParseError:
        if not looks_like_html(fetched.body):
            raise
        found = discover_feed_url(fetched.body, fetched.url)
        if found is None:
            raise FeedParseError(
                "this is a web page that announces no feed; give the RSS/Atom feed's URL"
            ) from None
    await check_url(found, allow_private=allow_private)
    fetched = await fetcher.fetch(found, allow_private=allow_private)
    return fetched.url, parse_feed(fetched.body, url=fetched.url, charset=fetched.charset)


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
    """Add the feed at ``url`` (or the one its page announces) and say what it holds.

    Refuses with a SourceError a private, unreachable or non-feed URL; Duplicate if the feed
    is stored already. The name defaults to the feed's title, else its host. Nothing is
    stored unless the feed could be read.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    interval = DEFAULT_INTERVAL if every is None else every
    if interval < MIN_INTERVAL:
        raise InvalidInput(f"the interval must be at least {MIN_INTERVAL} seconds (1m)")
    await check_url(url, allow_private=allow_private)
    feed_url, feed = await _read_feed(fetcher, url, allow_private=allow_private)
    label = (name or "").strip() or feed.title or (urlsplit(feed_url).hostname or feed_url)
    async with db.transaction() as session:
        source_id = await sources.add_source(
            session,
            url=canonical_url(feed_url),
            name=label[:256],
            kind="feed",
            fetch_interval=interval,
            now=now,
        )
        info = await sources.get_source_info(session, source_id)
    return info, feed
