"""End to end: the bot speaks a chat's language, /language switches it, /languages filters news."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from digests import topics
from digests.models import Chat
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

NEWS = {
    # title: hours ago
    "سوريا: هجوم على سجن الحسكة وفرار العشرات من عناصر التنظيم": 1,
    "Hasakah prison: 7 killed & dozens escape in Syria": 2,
}


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss(NEWS, title="Arab Press"))
    yield server
    await server.stop()


async def _set_up_news(harness: Harness, feeds: FeedServer) -> None:
    await harness.ingest(feeds.url("/world.xml"), topics={"Syria": "syria, hasakah, سوريا"})


async def _send(
    harness: Harness, text: str, *, language_code: str, chat_id: int = 1001
) -> StoredMessage:
    """Send ``text`` from a user whose Telegram app is in ``language_code``."""
    mark = harness.server.mark()
    harness.server.inject_message(chat_id, text, language_code=language_code)
    calls = await harness.server.wait_for_call("sendMessage", chat_id=chat_id, since=mark)
    assert calls[0].ok, calls[0].response  # the server accepted the HTML
    return harness.server.message(chat_id, calls[0].result["message_id"])


async def _stored_chat(harness: Harness, chat_id: int = 1001) -> Chat:
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        return chat


async def test_a_chat_whose_telegram_language_is_arabic_is_greeted_in_arabic(
    harness: Harness,
) -> None:
    await topics.add_topic(harness.db, "Syria", "syria, سوريا", now=utcnow())
    welcome = await _send(harness, "/start", language_code="ar")
    assert welcome.text == (
        "مرحبًا Test! أرسل إليك كل يوم، في الوقت الذي تختاره، موجزًا لأخبار المواضيع التي "
        "تختارها، وأحدث العناوين متى طلبتها عبر /latest.\nاختر مواضيعك أدناه:"
    )
    assert button_labels(welcome) == ["Syria"]
    answer = await harness.press(welcome, button_data(welcome, "Syria"))
    assert answer.params.get("text") == "تتابع الآن Syria"
    assert "تتابع 1 من 1" in (harness.current(welcome).text or "")


async def test_switching_to_arabic_turns_help_and_latest_arabic_with_rtl_text_intact(
    harness: Harness, feeds: FeedServer
) -> None:
    await _set_up_news(harness, feeds)
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))

    picker = await harness.send("/language")
    assert picker.text == "Language\nChoose the language I use in this chat."
    assert button_labels(picker) == ["✅ English", "العربية"]
    await harness.press(picker, button_data(picker, "العربية"))
    assert harness.current(picker).text == "✅ تم: سأتحدث العربية في هذه المحادثة."
    assert (await _stored_chat(harness)).language == "ar"

    help_reply = await harness.send("/help")  # the user's Telegram app is still in English
    assert (help_reply.text or "").startswith(
        "ما يمكنني فعله\n/topics — اختر المواضيع التي تتابعها\n"
    )

    latest = await harness.send("/latest")
    lines = (latest.text or "").splitlines()
    assert lines[0] == "أحدث العناوين"
    assert "1. سوريا: هجوم على سجن الحسكة وفرار العشرات من عناصر التنظيم" in lines
    assert "2. Hasakah prison: 7 killed & dozens escape in Syria" in lines
    assert "Arab Press · قبل ساعة واحدة" in lines
    links = [e["url"] for e in latest.entities if e["type"] == "text_link"]
    assert links == ["https://news.example/0", "https://news.example/1"]

    again = await harness.send("/language")
    assert button_labels(again) == ["English", "✅ العربية"]
    await harness.press(again, button_data(again, "English"))
    assert harness.current(again).text == "✅ Done: I will speak English in this chat."
    assert (await harness.send("/help")).text.startswith("What I can do")  # type: ignore[union-attr]


async def test_the_stored_choice_wins_over_the_users_telegram_language(harness: Harness) -> None:
    await harness.send("/start")  # registered in English
    reply = await _send(harness, "/help", language_code="ar")
    assert (reply.text or "").startswith("What I can do")
    # A chat that never registered follows the sender's Telegram language.
    fresh = await _send(harness, "/help", language_code="ar", chat_id=2002)
    assert (fresh.text or "").startswith("ما يمكنني فعله")


async def test_a_forged_language_button_is_refused(harness: Harness) -> None:
    picker = await harness.send("/language")
    answer = await harness.press(picker, "lang:fr", expect_edit=False)
    assert answer.params.get("text") == "This button has expired."
    assert (await _stored_chat(harness)).language == "en"


async def test_only_group_admins_change_the_groups_language(harness: Harness) -> None:
    group = -100555
    picker = await harness.send("/language", chat_id=group, chat_type="supergroup", user_id=77)
    harness.server.set_member_status(group, 77, "member")
    answer = await harness.press(
        picker,
        button_data(picker, "العربية"),
        user_id=77,
        chat_type="supergroup",
        expect_edit=False,
    )
    assert answer.params.get("text") == "Only this group's admins can change what it follows."
    harness.server.set_member_status(group, 78, "administrator")
    await harness.press(picker, button_data(picker, "العربية"), user_id=78, chat_type="supergroup")
    assert (await _stored_chat(harness, group)).language == "ar"


async def test_languages_offers_the_languages_seen_and_limits_the_chat(
    harness: Harness, feeds: FeedServer
) -> None:
    await _set_up_news(harness, feeds)
    picker = await harness.send("/languages")
    assert button_labels(picker) == ["Arabic", "English", "✅ All languages"]
    assert "You get news in every language." in (picker.text or "")

    answer = await harness.press(picker, button_data(picker, "Arabic"))
    assert answer.params.get("text") == "Added Arabic"
    now = harness.current(picker)
    assert button_labels(now) == ["✅ Arabic", "English", "All languages"]
    assert "You get news in: Arabic." in (now.text or "")
    assert (await _stored_chat(harness)).languages == ["ar"]

    await harness.press(now, button_data(now, "All languages"))
    assert button_labels(harness.current(picker)) == ["Arabic", "English", "✅ All languages"]
    assert (await _stored_chat(harness)).languages is None


async def test_languages_in_arabic_names_the_languages_in_arabic(
    harness: Harness, feeds: FeedServer
) -> None:
    await _set_up_news(harness, feeds)
    picker = await _send(harness, "/languages", language_code="ar")
    assert button_labels(picker) == ["العربية", "الإنجليزية", "✅ كل اللغات"]
    assert (picker.text or "").startswith("لغات الأخبار\nتصلك الأخبار بكل اللغات.")
