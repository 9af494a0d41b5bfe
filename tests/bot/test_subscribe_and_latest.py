"""End to end: sources fetched over HTTP, a user subscribes in Telegram and asks for /latest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from digests import topics
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

HEADLINES = {
    # title: hours ago
    "Hasakah prison: 7 killed & dozens escape": 2,
    "سوريا: هجوم على سجن الحسكة": 1,
    'Football: "Derby" tonight, 3 < 5 goals?': 0,
    'Iraq & Syria sign "border" deal 🎉': 3,
}


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss(HEADLINES))
    yield server
    await server.stop()


async def _set_up_news(harness: Harness, feeds: FeedServer) -> None:
    summary = await harness.ingest(
        feeds.url("/world.xml"),
        topics={"Syria": "syria, hasakah, سوريا", "Sport": "football, derby"},
    )
    assert (summary.ok, summary.failed, summary.new_articles) == (1, 0, 4)


async def test_user_subscribes_and_gets_exactly_the_matching_headlines(
    harness: Harness, feeds: FeedServer
) -> None:
    await _set_up_news(harness, feeds)

    welcome = await harness.send("/start")
    assert "Hello, Test!" in (welcome.text or "")
    assert button_labels(welcome) == ["Sport", "Syria"]

    answer = await harness.press(welcome, button_data(welcome, "Syria"))
    assert answer.params.get("text") == "Following Syria"
    picker = harness.current(welcome)
    assert button_labels(picker) == ["Sport", "✅ Syria"]
    assert "You follow 1 of 2" in (picker.text or "")
    assert len(harness.server.messages(1001)) == 1  # the picker was edited, not sent again

    latest = await harness.send("/latest")
    text = latest.text or ""
    lines = [line for line in text.splitlines() if line[:2] in {"1.", "2.", "3.", "4."}]
    assert lines == [
        "1. سوريا: هجوم على سجن الحسكة",
        "2. Hasakah prison: 7 killed & dozens escape",
        '3. Iraq & Syria sign "border" deal 🎉',
    ]
    assert "Football" not in text
    assert "Example & Co News · 1 h ago" in text
    links = [e["url"] for e in latest.entities if e["type"] == "text_link"]
    assert links == [
        "https://news.example/1",
        "https://news.example/0",
        "https://news.example/3",
    ]
    assert latest.link_preview_disabled


async def test_latest_for_a_named_topic_any_case(harness: Harness, feeds: FeedServer) -> None:
    await _set_up_news(harness, feeds)
    reply = await harness.send("/latest SPORT")
    text = reply.text or ""
    assert text.startswith("Latest on Sport")
    assert 'Football: "Derby" tonight, 3 < 5 goals?' in text
    assert "Hasakah" not in text


async def test_latest_with_no_topics_hints_at_the_picker(harness: Harness) -> None:
    reply = await harness.send("/latest")
    assert "You don't follow any topics yet" in (reply.text or "")
    assert "/topics" in (reply.text or "")


async def test_latest_with_nothing_yet_says_so(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))
    reply = await harness.send("/latest")
    assert "Nothing new on your topics yet" in (reply.text or "")


async def test_unknown_topic_gets_the_list_of_names(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    await topics.add_topic(harness.db, "Iraq", "iraq", now=utcnow())
    reply = await harness.send("/latest bitcoin")
    assert reply.text == "There is no topic called “bitcoin”.\nTopics: Iraq, Syria"


async def test_topics_command_shows_marks_and_second_tap_unfollows(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    picker = await harness.send("/topics")
    await harness.press(picker, button_data(picker, "Syria"))
    assert button_labels(harness.current(picker)) == ["✅ Syria"]
    answer = await harness.press(picker, button_data(harness.current(picker), "Syria"))
    assert answer.params.get("text") == "Unfollowed Syria"
    assert button_labels(harness.current(picker)) == ["Syria"]


async def test_stop_asks_then_unfollows_everything(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    picker = await harness.send("/topics")
    await harness.press(picker, button_data(picker, "Syria"))
    confirm = await harness.send("/stop")
    assert "Unfollow all 1 topics?" in (confirm.text or "")
    await harness.press(confirm, button_data(confirm, "Yes"))
    assert "you follow nothing now" in (harness.current(confirm).text or "")
    reply = await harness.send("/latest")
    assert "You don't follow any topics yet" in (reply.text or "")


async def test_stop_cancelled_keeps_topics(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    picker = await harness.send("/topics")
    await harness.press(picker, button_data(picker, "Syria"))
    confirm = await harness.send("/stop")
    await harness.press(confirm, button_data(confirm, "No"))
    assert harness.current(confirm).text == "Nothing changed; you keep your topics."
    again = await harness.send("/topics")
    assert button_labels(again) == ["✅ Syria"]


async def test_commands_are_registered_at_start(harness: Harness) -> None:
    names = [c["command"] for c in harness.server.commands()]
    assert names == [
        "latest",
        "digest",
        "topics",
        "search",
        "follow",
        "following",
        "unfollow",
        "addfeed",
        "myfeeds",
        "settings",
        "language",
        "languages",
        "help",
        "stop",
        "start",
    ]


async def test_help_lists_the_commands(harness: Harness) -> None:
    reply = await harness.send("/help")
    lines = (reply.text or "").splitlines()
    menu = [f"/{c['command']}" for c in harness.server.commands() if c["command"] != "start"]
    for command in {*menu, "/topics", "/latest", "/unfollow", "/cancel", "/stop", "/help"}:
        assert any(line.split(" ")[0] == command for line in lines), command


async def test_unknown_command_and_free_text_get_a_hint(harness: Harness) -> None:
    for text in ("/frobnicate", "what's new?"):
        reply = await harness.send(text)
        assert reply.text == (
            "I didn't get that. Try /latest for headlines, /topics to pick topics, or /help."
        )


async def test_admin_commands_show_only_in_admin_menus(harness: Harness) -> None:
    from tests.bot.conftest import ADMIN_ID

    public = [c["command"] for c in harness.server.commands()]
    admin = [c["command"] for c in harness.server.commands({"type": "chat", "chat_id": ADMIN_ID})]
    assert "broadcast" not in public and "stats" not in public
    assert admin[: len(public)] == public
    assert {"broadcast", "sources", "addtopic", "stats", "export"} <= set(admin)
