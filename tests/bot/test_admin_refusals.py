"""Every admin command and button refuses anyone not in ADMIN_IDS, and changes nothing.

Buttons are pressed with the admin's own callback data but another user's id: the data says
nothing about who may act, so a copied or forged button must not work either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from digests import topics
from digests.opml import OpmlFeed, write_opml
from digests.store import sources as source_store
from digests.timeutil import utcnow
from tests.bot.conftest import ADMIN_ID, Harness, button_data
from tests.bot.test_admin_sources import rss
from tests.support.botapi import StoredMessage
from tests.support.feedserver import FeedServer

STRANGER = 5151
GROUP = -100777


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/new.xml", rss("New Feed", {"Hello": 1}))
    yield server
    await server.stop()


async def _set_up(harness: Harness) -> None:
    """Two sources (one paused), a followed topic: every button has something to act on."""
    now = utcnow()
    async with harness.db.transaction() as session:
        await source_store.add_source(
            session,
            url="https://a.example/rss",
            name="Alpha",
            kind="feed",
            fetch_interval=900,
            now=now,
        )
        paused = await source_store.add_source(
            session,
            url="https://b.example/rss",
            name="Beta",
            kind="feed",
            fetch_interval=900,
            now=now,
        )
        await source_store.set_paused(session, paused, True)
        for n in range(8):  # enough for a second page
            await source_store.add_source(
                session,
                url=f"https://c{n}.example/rss",
                name=f"Gamma {n}",
                kind="feed",
                fetch_interval=900,
                now=now,
            )
    await topics.add_topic(harness.db, "Syria", "syria, damascus", now=now)
    picker = await harness.send("/topics", chat_id=STRANGER)
    await harness.press(picker, button_data(picker, "Syria"), user_id=STRANGER)


async def _state(harness: Harness) -> Any:
    async with harness.db.transaction() as session:
        found = await source_store.list_sources(session)
    return (
        [(s.id, s.name, s.url, s.paused, s.fetch_interval) for s in found],
        [
            (t.id, t.name, t.keywords, t.exclude, t.followers)
            for t in await topics.list_topics(harness.db)
        ],
    )


async def test_every_admin_command_refuses_a_stranger(harness: Harness, feeds: FeedServer) -> None:
    await _set_up(harness)
    before = await _state(harness)
    commands = [
        "/sources",
        "/sources 2",
        f"/addsource {feeds.url('/new.xml')} Sneaky",
        "/addsource",
        "/addtopic Bitcoin: bitcoin, crypto",
        "/edittopic Syria: football",
        "/deltopic Syria",
        "/export",
        "/stats",
    ]
    for command in commands:
        reply = await harness.send(command, chat_id=STRANGER)
        assert reply.text == "Not allowed.", command
        assert not reply.reply_markup, command
    # The same in a group, from a member who is not a bot admin.
    for command in ["/sources", "/addtopic Bitcoin: bitcoin", "/stats"]:
        reply = await harness.send(command, chat_id=GROUP, chat_type="supergroup", user_id=STRANGER)
        assert reply.text == "Not allowed.", command

    # An OPML file from a stranger is neither downloaded nor imported.
    opml = write_opml([OpmlFeed(feeds.url("/new.xml"), "Sneaky")], title="t", now=utcnow())
    upload_mark = harness.server.mark()
    harness.server.inject_document(
        STRANGER, "feeds.opml", opml, user_id=STRANGER, mime_type="text/x-opml"
    )
    [call] = await harness.server.wait_for_call("sendMessage", chat_id=STRANGER, since=upload_mark)
    assert call.params["text"] == "Not allowed."

    assert await _state(harness) == before
    assert feeds.hits("/new.xml") == 0
    assert harness.server.calls_of("getFile") == []
    assert harness.server.calls_of("sendDocument") == []
    assert harness.server.calls_of("sendPhoto") == []


async def _refused_press(harness: Harness, message: StoredMessage, data: str) -> None:
    shown = (message.text, message.reply_markup)
    answer = await harness.press(message, data, user_id=STRANGER, expect_edit=False)
    assert answer.params.get("text") == "Not allowed.", data
    assert answer.params.get("show_alert") is True, data
    current = harness.current(message)
    assert (current.text, current.reply_markup) == shown, data


async def test_every_admin_button_refuses_a_stranger_with_the_admins_data(
    harness: Harness,
) -> None:
    await _set_up(harness)
    before = await _state(harness)
    alpha, beta = [s for s in (await _state(harness))[0] if s[1] in {"Alpha", "Beta"}]

    listing = await harness.send("/sources", chat_id=ADMIN_ID)
    page = button_data(listing, "More ›")
    pause = button_data(listing, f"Pause #{alpha[0]}")
    resume = button_data(listing, f"Resume #{beta[0]}")
    remove = button_data(listing, f"Remove #{alpha[0]}")
    add = button_data(listing, "Add a source")
    # The admin opens the confirmation, so its "Yes" button exists for real.
    await harness.press(listing, remove)
    confirm = harness.current(listing)
    remove_yes = button_data(confirm, "Yes, remove")
    keep = button_data(confirm, "No, keep it")

    ask = await harness.send("/deltopic Syria", chat_id=ADMIN_ID)
    delete_yes = button_data(ask, "Yes, delete")
    delete_no = button_data(ask, "No, keep it")

    for data in [page, pause, resume, remove, remove_yes, keep, add]:
        await _refused_press(harness, confirm, data)
    for data in [delete_yes, delete_no]:
        await _refused_press(harness, ask, data)
    # Made-up data gets the same answer before it is even read.
    for data in ["as:ry:1:0:00000000", "at:del:1:00000000", "as:zz"]:
        await _refused_press(harness, ask, data)
    assert await _state(harness) == before

    # The admin's own presses still work afterwards.
    await harness.press(confirm, remove_yes)
    await harness.press(ask, delete_yes)
    after_sources, after_topics = await _state(harness)
    assert "Alpha" not in [s[1] for s in after_sources]
    assert after_topics == []
