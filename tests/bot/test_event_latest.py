"""End to end: three outlets' own reports of one event, fetched over HTTP, are one /latest item.

The reports are real ones from the corpus (Peru's Congress removing President Jerí on 17
February 2026, as ABC News, Japan Today and MercoPress wrote it up), re-dated to the last hours
and served by the feed server; each outlet also carries a report of another event, which must
stay its own item.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest

from digests.sources.parse import parse_feed
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data
from tests.conftest import CORPUS
from tests.support.feedserver import FeedServer


def _entry(feed: str, index: int) -> tuple[str, str]:
    """Title and summary of the index-th entry of a corpus feed."""
    entries = parse_feed((CORPUS / "feeds" / feed).read_bytes(), url="https://corpus.test/").entries
    return entries[index].title, entries[index].summary


PERU = {
    "abc": _entry("ffp-abcnews-international.xml", 1),
    "japan": _entry("ffp-japantoday-world.xml", 7),
    "merco": _entry("ffp-mercopress.xml", 2),
}
JACKSON = _entry("ffp-abc-au-top-stories.xml", 17)
HEZBOLLAH = _entry("ffp-japantoday-world.xml", 5)


def _rss(outlet: str, items: list[tuple[tuple[str, str], float]]) -> bytes:
    now = utcnow()
    host = outlet.split()[0].lower()
    entries = "".join(
        f"<item><title>{escape(title)}</title><description>{escape(summary)}</description>"
        f"<link>https://{host}.example/{i}</link><guid>{host}-{i}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate></item>"
        for i, ((title, summary), hours) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(outlet)}</title><link>https://{host}.example/</link>{entries}"
        "</channel></rss>"
    ).encode()


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/abc.xml", _rss("ABC News", [(PERU["abc"], 3), (JACKSON, 5)]))
    server.add("/japan.xml", _rss("Japan Today", [(PERU["japan"], 2), (HEZBOLLAH, 2.5)]))
    server.add("/merco.xml", _rss("Merco <Press> & Co", [(PERU["merco"], 1)]))
    yield server
    await server.stop()


async def _follow_world(harness: Harness, feeds: FeedServer) -> None:
    # One outlet after the other, as a running bot fetches them: each report is compared with
    # the ones stored before it.
    for number, name in enumerate(("/abc.xml", "/japan.xml", "/merco.xml")):
        topics = {} if number else {"World": "peru, hezbollah, jackson"}
        summary = await harness.ingest(feeds.url(name), topics=topics)
        assert summary.failed == 0
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "World"))


def _items(text: str) -> list[str]:
    return [line for line in text.splitlines() if line[:2] in {"1.", "2.", "3.", "4.", "5."}]


async def test_three_outlets_reports_of_one_event_are_one_item_naming_the_others(
    harness: Harness, feeds: FeedServer
) -> None:
    await _follow_world(harness, feeds)
    latest = await harness.send("/latest")
    text = latest.text or ""
    items = _items(text)
    assert len(items) == 3, text  # Peru once, and the two other events
    assert items[0] == f"1. {PERU['merco'][0]}"  # the newest report stands for the event
    assert f"2. {HEZBOLLAH[0]}" in items
    assert f"3. {JACKSON[0]}" in items
    for title, _ in (PERU["abc"], PERU["japan"]):
        assert title not in text
    assert "also: ABC News, Japan Today" in text
    assert text.count("also:") == 1
    assert "Merco <Press> & Co · 1 h ago" in text  # names are escaped into HTML, shown as is


async def test_the_event_item_says_also_in_arabic(harness: Harness, feeds: FeedServer) -> None:
    await _follow_world(harness, feeds)
    picker = await harness.send("/language")
    await harness.press(picker, button_data(picker, "العربية"))
    latest = await harness.send("/latest")
    text = latest.text or ""
    assert len(_items(text)) == 3, text
    assert "وأيضًا لدى: ABC News، Japan Today" in text
