"""End to end: a title that looks like markup but is text reaches Telegram exactly as written.

The feed is served over HTTP, ingested by the real pipeline, and shown by /latest and /digest;
the test Bot API server parses the HTML the bot sends the way Telegram does, so what is
compared is what a user reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.conftest import Harness, button_data
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

# What the feed's XML holds, after XML decoding, and what users must read.
TITLES = {
    'Syria & Iraq agree on <border> patrols "for now"': (
        'Syria & Iraq agree on <border> patrols "for now"'
    ),
    "Syria: a < b > c, says minister": "Syria: a < b > c, says minister",
    "<b>Syria</b> talks &amp; <i>Iraq</i>": "Syria talks & Iraq",
    "Syria&#8217;s AT&T <deal>": "Syria’s AT&T <deal>",
}


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/titles.xml", rss(dict.fromkeys(TITLES, 1.0), title="<Syria> & Co"))
    yield server
    await server.stop()


async def test_titles_reach_telegram_exactly(harness: Harness, feeds: FeedServer) -> None:
    summary = await harness.ingest(feeds.url("/titles.xml"), topics={"Syria": "syria"})
    assert (summary.ok, summary.new_articles) == (1, len(TITLES))
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))

    latest = await harness.send("/latest")
    shown = latest.text or ""
    for expected in TITLES.values():
        assert expected in shown
    assert "<Syria> & Co" in shown  # the source name

    digest = await harness.send("/digest")
    shown = digest.text or ""
    for expected in TITLES.values():
        assert expected in shown
