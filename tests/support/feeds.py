"""Test-made feeds: an RSS document from titles and ages, with links on a fake host."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from digests.timeutil import utcnow


def rss(items: dict[str, float], *, title: str = "Example & Co News") -> bytes:
    """RSS 2.0 with one item per ``{title: hours ago}``; item i links to news.example/i.

    Links carry a tracking parameter, which storage must strip.
    """
    now = utcnow()
    entries = "".join(
        f"<item><title>{escape(headline)}</title>"
        f"<link>https://news.example/{i}?utm_source=x</link><guid>story-{i}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate></item>"
        for i, (headline, hours) in enumerate(items.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example/</link>{entries}"
        "</channel></rss>"
    ).encode()
