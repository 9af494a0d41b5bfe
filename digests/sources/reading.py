"""A fetched feed read into entries with their leads, off the event loop.

Parsing, cleaning and choosing leads is all CPU work, about 40 µs an item: seconds for a big
feed. ``read_feed`` does it in one call that ``offload`` runs in a thread or, for a large
document, in a worker process, so the loop keeps answering chats meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from digests.leads import choose_lead
from digests.sources.offload import off_loop
from digests.sources.parse import parse_feed
from digests.types import FeedEntry, ParsedFeed


@dataclass(frozen=True, slots=True)
class FeedRead:
    """A parsed feed and the lead of each entry that has a link (by URL)."""

    feed: ParsedFeed
    leads: dict[str, str]


def entry_lead(entry: FeedEntry) -> str:
    """The lead of a feed entry: from its text, else its summary."""
    return choose_lead(entry.text or entry.summary, title=entry.title)


def read_feed(body: bytes, url: str, charset: str | None) -> FeedRead:
    """Parse the feed ``body`` fetched from ``url`` and choose each entry's lead."""
    feed = parse_feed(body, url=url, charset=charset)
    return FeedRead(feed, {entry.url: entry_lead(entry) for entry in feed.entries if entry.url})


async def read_feed_off_loop(body: bytes, url: str, charset: str | None) -> FeedRead:
    """:func:`read_feed`, run where it does not stall the event loop."""
    return await off_loop(len(body), read_feed, body, url, charset)


async def parse_feed_off_loop(body: bytes, url: str, charset: str | None) -> ParsedFeed:
    """``parse_feed``, run where it does not stall the event loop."""
    return await off_loop(len(body), _parse, body, url, charset)


def _parse(body: bytes, url: str, charset: str | None) -> ParsedFeed:
    return parse_feed(body, url=url, charset=charset)
