"""Test-made feeds: an RSS document from titles and ages, with links on a fake host."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from digests.db import Database
from digests.store import sources
from digests.timeutil import utcnow


def rss(
    items: dict[str, float], *, title: str = "Example & Co News", host: str = "news.example"
) -> bytes:
    """RSS 2.0 with one item per ``{title: hours ago}``; item i links to HOST/i.

    Links carry a tracking parameter, which storage must strip.
    """
    now = utcnow()
    entries = "".join(
        f"<item><title>{escape(headline)}</title>"
        f"<link>https://{host}/{i}?utm_source=x</link><guid>story-{i}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate></item>"
        for i, (headline, hours) in enumerate(items.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://{host}/</link>{entries}"
        "</channel></rss>"
    ).encode()


# Items that once made the whole feed unreadable or unstorable, or smuggled characters through.
HOSTILE_RSS_ITEMS = [
    "<item><title>Lone surrogate &#xD800; here</title><link>https://example.org/h1</link></item>",
    "<item><title>Low surrogate &#56320; too</title><link>https://example.org/h2</link></item>",
    "<item><title>NUL &#0; and bell &#7;</title><link>https://example.org/h3</link></item>",
    "<item><title>Beyond Unicode &#x110000;</title><link>https://example.org/h4</link></item>",
    "<item><title>Override &#x202E;txt.exe</title><link>https://example.org/h5</link></item>",
    "<item><title>Raw \x01control\x1f chars</title><link>https://example.org/h6</link></item>",
    "<item><title>Bad link</title><link>http://[::1/x</link></item>",
    "<item><title>Bad port</title><link>http://example.com:notaport/x</link></item>",
    "<item><title>Bad date</title><link>https://example.org/h9</link>"
    "<pubDate>Mon, 99 Zzz 99999 99:99:99 +9999</pubDate></item>",
    "<item><title>Noncharacter &#xFFFE;&#xFFFF;</title><link>https://example.org/h10</link></item>",
    "<item><title>&amp;#xD800; escaped twice</title><link>https://example.org/h11</link></item>",
]
HOSTILE_TITLES = {
    "https://example.org/h1": "Lone surrogate here",
    "https://example.org/h2": "Low surrogate too",
    "https://example.org/h3": "NUL and bell",
    "https://example.org/h4": "Beyond Unicode",
    "https://example.org/h5": "Override txt.exe",
    "https://example.org/h6": "Raw control chars",
    "https://example.org/h9": "Bad date",
    "https://example.org/h10": "Noncharacter",
    "https://example.org/h11": "escaped twice",
}


def _good(n: int) -> str:
    return (
        f"<item><title>Good story {n}</title><link>https://example.org/good/{n}</link>"
        f"<description>Body of story {n} &amp; more.</description></item>"
    )


def hostile_rss() -> bytes:
    items: list[str] = []
    for n, bad in enumerate(HOSTILE_RSS_ITEMS):
        items += [_good(n), bad]
    items.append(_good(len(HOSTILE_RSS_ITEMS)))
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Hostile \u202eNews</title><link>https://example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


async def add_feed_source(db: Database, url: str, name: str, *, now: datetime) -> int:
    """Store a feed source the way ``sources add`` does, without fetching it first."""
    async with db.transaction() as session:
        return await sources.add_source(
            session, url=url, name=name, kind="feed", fetch_interval=900, now=now
        )


def big_rss(items: int, *, with_text: bool = True) -> bytes:
    """RSS 2.0 with ``items`` items, item i linking to news.example/i.

    With ``with_text`` each has an HTML description (~230 bytes an item, ~250 µs of CPU to
    read); without, only a title and a link (~90 bytes, ~20 µs).
    """
    description = (
        "<description>&lt;p&gt;Flood waters rose in town {i} overnight, officials said on "
        "Monday.&lt;/p&gt;</description>"
        if with_text
        else ""
    )
    entries = "".join(
        f"<item><title>Story {i} &amp; more</title><link>https://news.example/{i}</link>"
        f"<guid>big-{i}</guid><pubDate>Mon, 16 Feb 2026 08:00:00 GMT</pubDate>"
        f"{description.format(i=i)}</item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://news.example/</link>{entries}</channel></rss>"
    ).encode()
