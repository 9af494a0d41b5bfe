"""End to end in a forum supergroup: topics followed inside a thread post there, /settings
shows where each goes and can send everything to one thread, and a deleted thread falls back
to General once with a note for the admins. The real bot, the test Bot API server, SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels
from tests.bot.digest_support import digest_due, tick_and_send
from tests.digests.test_editions import add_article, add_topics
from tests.support.botapi import StoredMessage

FORUM = -1003300
ADMIN = 501


async def _forum(harness: Harness) -> tuple[int, int]:
    """A forum with two threads, Sport and News; returns their ids."""
    harness.server.add_forum(FORUM, title="Club")
    harness.server.set_member_status(FORUM, ADMIN, "administrator")
    return harness.server.create_topic(FORUM, "Sport"), harness.server.create_topic(FORUM, "News")


async def _send(harness: Harness, text: str, thread: int | None = None) -> StoredMessage:
    return await harness.send(
        text, chat_id=FORUM, chat_type="supergroup", user_id=ADMIN, thread_id=thread
    )


async def _press(harness: Harness, message: StoredMessage, label: str) -> str:
    answer = await harness.press(
        message, button_data(message, label), user_id=ADMIN, chat_type="supergroup"
    )
    return str(answer.params.get("text") or "")


def _in_thread(harness: Harness, thread: int | None) -> list[str]:
    return [m.text or "" for m in harness.server.messages(FORUM) if m.thread_id == thread]


async def test_a_topic_followed_inside_a_thread_posts_its_items_there(harness: Harness) -> None:
    sport_thread, _ = await _forum(harness)
    syria, sport = await add_topics(harness.db, "Syria", "Sport")
    picker = await _send(harness, "/topics", sport_thread)
    assert picker.thread_id == sport_thread  # the bot answers in the thread it was asked in
    toast = await _press(harness, picker, "Sport")
    assert toast == "Following Sport: its news comes to this thread"
    general_picker = await _send(harness, "/topics")
    assert general_picker.thread_id is None
    assert await _press(harness, general_picker, "Syria") == "Following Syria"
    now = utcnow()
    await add_article(harness.db, "Derby tonight", now - timedelta(hours=1), {sport: 3})
    await add_article(harness.db, "Border talks", now - timedelta(hours=1), {syria: 3})
    await digest_due(harness, FORUM, now)

    report = await tick_and_send(harness, now)

    assert report.queued == 1
    [in_sport] = [t for t in _in_thread(harness, sport_thread) if "Derby" in t]
    [in_general] = [t for t in _in_thread(harness, None) if "Border talks" in t]
    assert "Border" not in in_sport and "Derby" not in in_general
    assert in_sport.startswith("📰 Your news digest") and in_general.startswith("📰 Your")

    settings = await _send(harness, "/settings", sport_thread)
    assert "Digest goes to: General" in (settings.text or "")
    assert "Sport → thread" in (settings.text or "")
    await _press(harness, settings, "Forum threads")
    threads = harness.current(settings)
    assert button_labels(threads)[:2] == [
        "📌 Send everything to this thread",
        "🏠 Send everything to General",
    ]
    assert await _press(harness, threads, "this thread") == "Everything goes to this thread"
    text = harness.current(settings).text or ""
    assert "Digest goes to: thread" in text and "Sport →" not in text

    later = now + timedelta(days=1)
    await add_article(harness.db, "Cup final", later - timedelta(hours=1), {sport: 3})
    await add_article(harness.db, "Ceasefire", later - timedelta(hours=1), {syria: 3})
    await tick_and_send(harness, later)
    [both] = [t for t in _in_thread(harness, sport_thread) if "Cup final" in t]
    assert "Ceasefire" in both


async def test_a_deleted_thread_falls_back_to_general_and_is_forgotten(harness: Harness) -> None:
    _, news_thread = await _forum(harness)
    [syria] = await add_topics(harness.db, "Syria")
    picker = await _send(harness, "/topics", news_thread)
    await _press(harness, picker, "Syria")
    harness.server.delete_topic(FORUM, news_thread)
    now = utcnow()
    await add_article(harness.db, "Border talks", now - timedelta(hours=1), {syria: 3})
    await digest_due(harness, FORUM, now)

    await tick_and_send(harness, now)

    general = _in_thread(harness, None)
    assert any("Border talks" in t for t in general)
    [note] = [t for t in general if "deleted or closed" in t]
    assert note.startswith("⚠️ For this chat's admins:")
    settings = await _send(harness, "/settings")
    assert "Syria →" not in (settings.text or "")
    assert "Digest goes to: General" in (settings.text or "")


async def test_a_member_cannot_reroute_the_forum(harness: Harness) -> None:
    sport_thread, _ = await _forum(harness)
    harness.server.set_member_status(FORUM, 502, "member")
    settings = await _send(harness, "/settings", sport_thread)
    await _press(harness, settings, "Forum threads")
    refusal = await harness.press(
        settings,
        button_data(harness.current(settings), "this thread"),
        user_id=502,
        chat_type="supergroup",
        expect_edit=False,
    )
    assert refusal.params.get("show_alert") is True
    assert "Digest goes to: General" in (harness.current(settings).text or "")
