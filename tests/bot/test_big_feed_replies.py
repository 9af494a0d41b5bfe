"""Replies stay fast while a 100,000-item feed is read and stored by the same process.

Topic matching and story assignment are left out (``after_store``): at ~2 ms an article
they would make the test minutes long, and they await the database between articles.
"""

from __future__ import annotations

import asyncio

import pytest

from digests.sources.fetch import Fetcher
from digests.sources.update import update_source
from digests.timeutil import utcnow
from tests.bot.conftest import Harness
from tests.support.feeds import add_feed_source, big_rss
from tests.support.feedserver import FeedServer

ITEMS = 100_000


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_replies_stay_under_a_second_while_a_big_feed_is_read(harness: Harness) -> None:
    feeds = FeedServer()
    await feeds.start()
    feeds.add("/big.xml", big_rss(ITEMS, with_text=False))
    now = utcnow()
    source_id = await add_feed_source(harness.db, feeds.url("/big.xml"), "Big", now=now)
    loop = asyncio.get_running_loop()
    waits: list[float] = []
    try:
        async with Fetcher(max_bytes=100_000_000) as fetcher:
            ingest = asyncio.create_task(
                update_source(
                    harness.db,
                    fetcher,
                    source_id,
                    now=now,
                    allow_private=True,
                )
            )
            while not ingest.done():
                asked = loop.time()
                reply = await harness.send("/help")
                waits.append(loop.time() - asked)
                assert "/latest" in (reply.text or "")
                await asyncio.sleep(0.2)  # within the command budget (10 a second)
            report, ids = await ingest
    finally:
        await feeds.stop()
    assert report.ok, report.error
    assert report.new_articles == len(ids) == ITEMS
    assert len(waits) >= 10, waits  # the ingest took long enough to test anything
    assert max(waits) < 1.0, sorted(waits)[-5:]
