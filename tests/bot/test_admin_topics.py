"""End to end: an admin adds, edits and deletes curated topics; every chat's picker follows."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from digests import topics
from digests.ingest import Ingest, make_fetcher
from digests.sources.register import register_source
from digests.timeutil import utcnow
from tests.bot.conftest import ADMIN_ID, Harness, button_data, button_labels
from tests.bot.test_admin_sources import rss
from tests.support.feedserver import FeedServer

READER = 777


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add(
        "/news.xml",
        rss(
            "Wire",
            {
                "Damascus talks resume": 1,
                "سوريا: هجوم على سجن الحسكة": 2,
                "Syria football league restarts": 3,
                "Weather is fine": 4,
            },
        ),
    )
    yield server
    await server.stop()


async def _fetch(harness: Harness, feeds: FeedServer) -> None:
    async with make_fetcher(harness.settings) as fetcher:
        await register_source(
            harness.db,
            fetcher,
            url=feeds.url("/news.xml"),
            allow_private=True,
            now=utcnow(),
        )
        await Ingest(harness.db, harness.settings, fetcher).fetch_all(now=utcnow())


async def test_admin_adds_edits_and_deletes_a_topic_every_chat_sees_it(
    harness: Harness, feeds: FeedServer
) -> None:
    await _fetch(harness, feeds)
    before = await harness.send("/topics", chat_id=READER)
    assert button_labels(before) == []

    added = await harness.send(
        "/addtopic Syria: syria, damascus, سوريا | football", chat_id=ADMIN_ID
    )
    assert (added.text or "").splitlines() == [
        "Added topic Syria: syria, damascus, سوريا (not: football).",
        "It matches 2 articles from the last 30 days.",
    ]
    picker = await harness.send("/topics", chat_id=READER)
    assert button_labels(picker) == ["Syria"]
    await harness.press(picker, button_data(picker, "Syria"))
    latest = await harness.send("/latest", chat_id=READER)
    assert "Damascus talks resume" in (latest.text or "")
    assert "football" not in (latest.text or "")

    # Edit the keywords only: the excludes stay.
    edited = await harness.send("/edittopic syria: syria, hasakah, الحسكة", chat_id=ADMIN_ID)
    assert (edited.text or "").startswith(
        "Updated topic Syria: syria, hasakah, الحسكة (not: football)."
    )
    [topic] = await topics.list_topics(harness.db)
    assert (topic.keywords, topic.exclude) == (("syria", "hasakah", "الحسكة"), ("football",))
    # "| " with nothing after it clears the excludes; nothing before it keeps the keywords.
    await harness.send("/edittopic Syria: |", chat_id=ADMIN_ID)
    [topic] = await topics.list_topics(harness.db)
    assert (topic.keywords, topic.exclude) == (("syria", "hasakah", "الحسكة"), ())

    ask = await harness.send("/deltopic SYRIA", chat_id=ADMIN_ID)
    assert (ask.text or "").startswith("Delete topic Syria? 1 chat follows it")
    await harness.press(ask, button_data(ask, "No, keep it"))
    assert harness.current(ask).text == "Kept topic Syria."
    assert [t.name for t in await topics.list_topics(harness.db)] == ["Syria"]

    ask = await harness.send("/deltopic Syria", chat_id=ADMIN_ID)
    yes = button_data(ask, "Yes, delete")
    await harness.press(ask, yes)
    assert harness.current(ask).text == "Deleted topic Syria."
    assert await topics.list_topics(harness.db) == []
    assert button_labels(await harness.send("/topics", chat_id=READER)) == []

    # The old confirmation pressed again does not delete the next topic, which may have
    # been given the same id (SQLite reuses the highest id).
    await harness.send("/addtopic Iraq: iraq", chat_id=ADMIN_ID)
    await harness.press(ask, yes)
    assert harness.current(ask).text == "That topic was deleted already."
    assert [t.name for t in await topics.list_topics(harness.db)] == ["Iraq"]


async def test_topic_commands_explain_mistakes_in_one_reply(harness: Harness) -> None:
    usage = await harness.send("/addtopic", chat_id=ADMIN_ID)
    assert "/addtopic NAME: keyword, phrase, … | exclude, …" in (usage.text or "")
    assert "/deltopic NAME" in (usage.text or "")

    no_colon = await harness.send("/addtopic Syria syria damascus", chat_id=ADMIN_ID)
    assert (no_colon.text or "").startswith("Expected NAME: keyword")
    empty = await harness.send("/addtopic Syria:", chat_id=ADMIN_ID)
    assert "keyword" in (empty.text or "").lower()
    await harness.send("/addtopic Iraq: iraq, baghdad", chat_id=ADMIN_ID)
    duplicate = await harness.send("/addtopic IRAQ: mosul", chat_id=ADMIN_ID)
    assert "exists already" in (duplicate.text or "")
    unknown = await harness.send("/edittopic Mars: rover", chat_id=ADMIN_ID)
    assert "There is no topic named “Mars”." in (unknown.text or "")
    nothing = await harness.send("/edittopic Iraq:", chat_id=ADMIN_ID)
    assert (nothing.text or "").startswith("Nothing to change")
    gone = await harness.send("/deltopic Mars", chat_id=ADMIN_ID)
    assert gone.text == "There is no topic named “Mars”."
    [iraq] = await topics.list_topics(harness.db)
    assert (iraq.name, iraq.keywords) == ("Iraq", ("iraq", "baghdad"))
