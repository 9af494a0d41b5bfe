"""Every command and every button, in an English chat and in an Arabic one: each text the bot
shows there (replies, edits, toasts, button labels, captions) is in the chat's language.

The Arabic check is built from the English catalog itself: no sentence of any English message
id may appear in what an Arabic chat is shown.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from digests.i18n import translations
from tests.bot.conftest import ADMIN_ID, Harness, button_data
from tests.digests.test_i18n import english_sentences
from tests.support.botapi import Call, StoredMessage
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

USER = 1001
GROUP_MEMBER = 7001
# Arabic an English chat is shown on purpose: the language's own name in the picker, the
# Arabic keyword in /addtopic's example, and the Arabic examples of what /settings reads.
ARABIC_ON_PURPOSE = ("العربية", "سوريا", "بغداد", "٧:٣٠ م")
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
# A Latin comma or semicolon after an Arabic word or a number: Arabic lists use "،" and "؛".
LATIN_LIST_MARK = re.compile(r"[\u0600-\u06ff0-9][,;] ")
HEADLINES = {"Hasakah prison: guards and inmates clash": 2, "Derby ends in a draw": 1}


ENGLISH = english_sentences()


def plain(text: str) -> str:
    """What Telegram shows for ``text`` sent as HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@dataclass
class Seen:
    """One text the bot showed: where it came from and what it said."""

    where: str
    text: str
    must_be_translated: bool = True


@dataclass
class Talk:
    """One user talking to the bot in one chat, in one Telegram app language."""

    harness: Harness
    lang: str
    chat_id: int = USER
    user_id: int | None = None
    chat_type: str = "private"
    # Texts that are the user's own words (a broadcast's preview), not the bot's.
    verbatim: set[str] = field(default_factory=set)

    async def send(self, text: str, replies: int = 1) -> list[StoredMessage]:
        """Send ``text``; wait for ``replies`` messages back."""
        server = self.harness.server
        mark = server.mark()
        server.inject_message(
            self.chat_id,
            text,
            user_id=self.user_id,
            chat_type=self.chat_type,
            language_code=self.lang,
        )
        calls = await server.wait_for_call(
            "sendMessage", chat_id=self.chat_id, since=mark, count=replies
        )
        return [self.harness._stored(call) for call in calls[:replies]]

    async def one(self, text: str) -> StoredMessage:
        return (await self.send(text))[0]

    async def press(
        self, message: StoredMessage, label: str, *, edit: bool = True, data: str | None = None
    ) -> Call:
        """Press the button labelled ``label`` (or with callback ``data``) on ``message``."""
        current = self.harness.current(message)
        pressed = data if data is not None else button_data(current, label)
        server = self.harness.server
        mark = server.mark()
        server.inject_callback(
            message.chat_id,
            message.message_id,
            pressed,
            user_id=self.user_id,
            chat_type=self.chat_type,
            language_code=self.lang,
        )
        answer = (await server.wait_for_call("answerCallbackQuery", since=mark))[0]
        if edit:
            await server.wait_for_call("editMessageText", chat_id=message.chat_id, since=mark)
        return answer

    async def press_and_reply(self, message: StoredMessage, label: str) -> StoredMessage:
        """Press a button that answers with a new message."""
        mark = self.harness.server.mark()
        await self.press(message, label, edit=False)
        calls = await self.harness.server.wait_for_call(
            "sendMessage", chat_id=message.chat_id, since=mark
        )
        return self.harness._stored(calls[0])


def shown(harness: Harness, chat_id: int, since: int = 0) -> list[Seen]:
    """Every text shown in ``chat_id`` since call number ``since``."""
    seen: list[Seen] = []
    callbacks = {}
    for call in harness.server.calls[since:]:
        params = call.params
        if call.method in ("sendMessage", "editMessageText") and params.get("chat_id") == chat_id:
            seen.append(Seen(f"{call.method}", plain(str(params.get("text", "")))))
            markup = params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
                for button in row:
                    seen.append(Seen("button", button["text"], must_be_translated=False))
        elif call.method in ("sendPhoto", "sendDocument") and params.get("chat_id") == chat_id:
            seen.append(Seen(call.method, str(params.get("caption", ""))))
        elif call.method == "answerCallbackQuery" and params.get("text"):
            callbacks[params["callback_query_id"]] = str(params["text"])
    seen.extend(Seen("toast", text) for text in callbacks.values())
    return seen


def check_language(seen: list[Seen], lang: str, verbatim: set[str]) -> None:
    """Arabic: no English catalog sentence anywhere, Arabic letters in every bot sentence.
    English: no Arabic letters (but ``ARABIC_ON_PURPOSE``)."""
    assert seen
    for item in seen:
        text = item.text
        if text in verbatim:
            continue
        if lang == "ar":
            english = sorted(s for s in ENGLISH if s in text)
            assert not english, f"{item.where} in an Arabic chat: {english} in {text!r}"
            assert not LATIN_LIST_MARK.search(text), f"{item.where}: Latin comma in {text!r}"
            if item.must_be_translated:
                assert ARABIC_LETTER.search(text), f"{item.where} is not Arabic: {text!r}"
        else:
            bare = text
            for word in ARABIC_ON_PURPOSE:
                bare = bare.replace(word, "")
            assert not ARABIC_LETTER.search(bare), (item.where, text)


@pytest.fixture
async def news(harness: Harness) -> AsyncIterator[Harness]:
    """Two curated topics, one feed with English headlines, fetched."""
    feeds = FeedServer()
    await feeds.start()
    feeds.add("/world.xml", rss(HEADLINES, title="World Wire"))
    try:
        await harness.ingest(
            feeds.url("/world.xml"), topics={"Syria": "hasakah, syria", "Sport": "derby"}
        )
        yield harness
    finally:
        await feeds.stop()


Scenario = Callable[[Talk], Awaitable[None]]


async def everyday(talk: Talk) -> None:
    """/start, /help, /topics and its buttons, /latest, /digest, /stop, /language(s), a hint."""
    welcome = await talk.one("/start")
    await talk.press(welcome, "Syria")
    await talk.one("/help")
    picker = await talk.one("/topics")
    await talk.press(picker, "Sport")
    await talk.press(picker, "", data="tp:999:0")  # a topic deleted since
    await talk.press(picker, "", data="tp:x", edit=False)  # a stale, malformed button
    await talk.one("/latest")
    await talk.one("/latest Syria")
    await talk.one("/latest Mars")
    await talk.send("/digest")
    stop = await talk.one("/stop")
    await talk.press(stop, "", data="stop:n")
    stop = await talk.one("/stop")
    await talk.press(stop, "", data="stop:y")
    await talk.one("/stop")  # nothing left to stop
    await talk.one("/digest")  # follows nothing now
    language = await talk.one("/language")
    await talk.press(language, "", data=f"lang:{talk.lang}")
    languages = await talk.one("/languages")
    await talk.press(languages, "", data="langs:en")
    await talk.press(languages, "", data="langs:en")
    await talk.press(languages, "", data="langs:*")
    await talk.one("hello there")
    await talk.one("/nosuchcommand")


async def settings(talk: Talk) -> None:
    """/settings: every screen, each kind of change, each prompt, good and bad answers."""
    panel = await talk.one("/settings")
    await talk.press(panel, "", data="set:v:t")
    await talk.press(panel, "", data="set:t:0700")
    await talk.press(panel, "", data="set:v:a")
    await talk.press(panel, "", data="set:ta:1800")  # two times a day
    await talk.press(panel, "", data="set:tr:0700")
    await talk.press(panel, "", data="set:tr:1800", edit=False)  # the last time stays
    await talk.press(panel, "", data="set:v:f")
    await talk.press(panel, "", data="set:f:weekdays")
    await talk.press(panel, "", data="set:f:sun_thu")
    await talk.press(panel, "", data="set:v:f")
    await talk.press(panel, "", data="set:v:d")
    await talk.press(panel, "", data="set:f:weekly:2")
    await talk.press(panel, "", data="set:f:off")
    await talk.press(panel, "", data="set:v:n")
    await talk.press(panel, "", data="set:n:15")
    await talk.press(panel, "", data="set:e:1")
    await talk.press(panel, "", data="set:f:daily")
    await talk.press(panel, "", data="set:bogus", edit=False)
    # A zone that is taken gets two messages in a private chat: how it was read (removing the
    # location keyboard), then the settings. Each zone answer below gets a different note; a
    # pair of numbers is a shared location.
    answers: list[tuple[str, tuple[str | tuple[float, float], ...]]] = [
        ("t", ("25:99", "7pm")),
        ("t", ("7:00, 9:00, 12:00, 18:00, 21:00", "7:00, 19:00")),
        ("n", ("many", "99", "5")),
        ("z", ("Mars/Base", "Baghdadd", "UTC+15", "UTC-3:30", "\u200f", "Asia/Baghdad")),
        ("z", ("GMT+3",)),
        ("z", ("+5:30",)),
        ("z", ("Asia/Tel_Aviv",)),
        ("z", ("EST",)),
        ("z", ("USA",)),
        ("z", ("Portland",)),
        ("z", ((33.31, 44.36),)),
        ("z", ("/cancel",)),  # a prompt left with /cancel
    ]
    taken = {"Asia/Baghdad", "GMT+3", "+5:30", "Asia/Tel_Aviv", "EST", "USA", "Portland"}
    server = talk.harness.server
    for prompt, typed in answers:
        mark = server.mark()
        await talk.press(panel, "", data=f"set:ask:{prompt}", edit=False)
        await server.wait_for_call("sendMessage", chat_id=talk.chat_id, since=mark)
        for answer in typed:
            if isinstance(answer, tuple):
                mark = server.mark()
                server.inject_location(talk.chat_id, *answer, language_code=talk.lang)
                await server.wait_for_call("sendMessage", chat_id=talk.chat_id, since=mark, count=2)
            else:
                await talk.send(answer, replies=2 if answer in taken else 1)
    await talk.one("/cancel")  # nothing to cancel


async def keywords(talk: Talk) -> None:
    """/follow (preview, save, cancel, refusals), /following, /unfollow in every form."""
    await talk.one("/following")  # none yet
    await talk.one("/unfollow")  # none yet
    preview = await talk.one('/follow "hasakah prison" -football')
    await talk.press(preview, "", data=button_data(preview, _save(talk)))
    preview = await talk.one("/follow derby")
    await talk.press(preview, "", data=button_data(preview, _cancel(talk)))
    await talk.one('/follow "hasakah prison" -football')  # followed already
    await talk.press(preview, "", data="pf:save:AAAAAAAA", edit=False)  # expired
    for refused in ("/follow", '/follow "open', "/follow -only", "/follow " + "word " * 20):
        await talk.one(refused)
    listed = await talk.one("/following")
    await talk.press(listed, "", data=button_data(listed, "🔕"))  # an alert: on
    await talk.press(listed, "", data=button_data(talk.harness.current(listed), "🔔"))  # off
    await talk.press(listed, "", data="pa:999:1", edit=False)  # a topic gone since
    await talk.one("/follow syria")
    preview = await talk.one("/follow damascus")
    await talk.press(preview, "", data=button_data(preview, _save(talk)))
    picker = await talk.one("/unfollow")
    await talk.press(picker, "✖ 1.")
    await talk.one("/unfollow 9")
    await talk.one("/unfollow mars")
    await talk.one("/unfollow 1")
    await talk.press(listed, "", data="pu:999", edit=False)  # gone already


async def searching(talk: Talk) -> None:
    """/search: usage, results, a page button, nothing found, refusals, an expired button."""
    await talk.one("/search")
    found = await talk.one("/search hasakah")
    await talk.press(found, "", data="sq:1:hasakah")  # a page past the end: the last one
    await talk.press(found, "", data="sk:1:AAAAAAAA", edit=False)  # kept query forgotten
    for typed in ("tokyo", "-only", '"open', "iran since:someday", "iran lang:1", "x " * 11):
        await talk.one(f"/search {typed}")


async def own_feeds(talk: Talk) -> None:
    """/addfeed (usage, refusals, added, added already), /myfeeds and its remove buttons."""
    feeds = FeedServer()
    await feeds.start()
    feeds.add("/own.xml", rss({"Port reopens after the storm": 1}, title="Port Desk"))
    feeds.add("/page.html", b"<html><body><p>Just words.</p></body></html>", "text/html")
    try:
        await talk.one("/myfeeds")  # none yet
        await talk.one("/addfeed")
        await talk.one("/addfeed notaurl")
        await talk.one(f"/addfeed {feeds.url('/missing.xml')}")
        await talk.one("/addfeed http://127.0.0.1:1/x.xml")  # nothing listens there
        await talk.one(f"/addfeed {feeds.url('/page.html')}")
        await talk.one(f"/addfeed {feeds.url('/own.xml')}")
        await talk.one(f"/addfeed {feeds.url('/own.xml')}")  # added already
        listed = await talk.one("/myfeeds")
        await talk.press(listed, "✖ 1.")
        await talk.press(listed, "", data="uf:rm:999", edit=False)  # gone already
    finally:
        await feeds.stop()


def _save(talk: Talk) -> str:
    return translations(talk.lang).gettext("Save")


def _cancel(talk: Talk) -> str:
    return translations(talk.lang).gettext("Cancel")


async def admin(talk: Talk) -> None:
    """Every admin command and button, and the refusals a non-admin gets."""
    talk.chat_id = ADMIN_ID
    sources = await talk.one("/sources")
    source_id = re.search(r"#(\d+)", sources.text or "")
    assert source_id is not None
    number = source_id.group(1)
    await talk.press(sources, "", data=button_data(sources, f"#{number}"))  # pause
    await talk.press(sources, "", data=button_data(sources, f"#{number}"))  # resume
    await talk.press_and_reply(sources, "➕")
    await talk.one("/addsource")
    await talk.one("/addsource http://127.0.0.1:9/nothing-listens-here")
    await talk.one("/addtopic")
    await talk.one("/addtopic Iraq iraq")
    await talk.one("/addtopic Iraq: iraq, baghdad | football")
    await talk.one("/addtopic Iraq: mosul")
    await talk.one("/addtopic Gaza: gaza")
    await talk.one("/edittopic Iraq: iraq, mosul")
    await talk.one("/edittopic Iraq:")
    await talk.one("/edittopic Mars: rover")
    await talk.one("/deltopic Mars")
    ask = await talk.one("/deltopic Gaza")
    await talk.press(ask, "", data=ask.reply_markup["inline_keyboard"][0][1]["callback_data"])
    ask = await talk.one("/deltopic Gaza")
    yes = ask.reply_markup["inline_keyboard"][0][0]["callback_data"]
    await talk.press(ask, "", data=yes)
    await talk.press(ask, "", data=yes)  # deleted already
    server = talk.harness.server
    mark = server.mark()
    talk.harness.server.inject_message(ADMIN_ID, "/export", language_code=talk.lang)
    await server.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=mark)
    mark = server.mark()
    await talk.one("/stats")
    await server.wait_for_call("sendPhoto", chat_id=ADMIN_ID, since=mark)
    mark = server.mark()
    server.inject_document(
        ADMIN_ID, "feeds.opml", b"<not opml", user_id=ADMIN_ID, language_code=talk.lang
    )
    await server.wait_for_call("sendMessage", chat_id=ADMIN_ID, since=mark)
    sources = await talk.one("/sources")
    await talk.press(sources, "", data=button_data(sources, "🗑"))
    asked = talk.harness.current(sources).reply_markup or {}
    await talk.press(sources, "", data=asked["inline_keyboard"][0][0]["callback_data"])  # yes
    await talk.press(sources, "", data="as:zz", edit=False)
    for command in (
        "/blockhost",
        "/blockhost example.com",
        "/blockhost example.com",
        "/blockhost not a host",
        "/unblockhost example.com",
        "/unblockhost example.com",
    ):
        await talk.one(command)
    # A stranger in the admin's language: every admin command is refused, in that language.
    stranger = Talk(talk.harness, talk.lang, chat_id=GROUP_MEMBER)
    for command in (
        "/sources",
        "/addsource x",
        "/addtopic a: b",
        "/deltopic a",
        "/stats",
        "/blockhost x",
        "/unblockhost x",
    ):
        await stranger.one(command)
    await stranger.one("/broadcast")


async def broadcasting(talk: Talk) -> None:
    """The /broadcast flow: prompt, invalid text, audience, topics, preview, cancel, send, stop."""
    talk.chat_id = ADMIN_ID
    await talk.one("/broadcast")
    await talk.one("<b>unclosed")
    message = "<b>Alert</b>: road closed"
    talk.verbatim.add(plain(message))
    audience = await talk.one(message)
    await talk.press(audience, "", data="bca:topic")
    await talk.press(audience, "", data="bca:back")
    await talk.press(audience, "", data="bca:topic")
    mark = talk.harness.server.mark()
    topic = talk.harness.current(audience).reply_markup["inline_keyboard"][0][0]
    await talk.press(audience, "", data=topic["callback_data"])
    calls = await talk.harness.server.wait_for_call(
        "sendMessage", chat_id=ADMIN_ID, since=mark, count=2
    )
    confirm = talk.harness._stored(calls[1])
    await talk.press(confirm, "", data="bcc:n")
    await talk.one("/cancel")
    await talk.one("/broadcast")
    audience = await talk.one(message)
    mark = talk.harness.server.mark()
    await talk.press(audience, "", data="bca:me")
    calls = await talk.harness.server.wait_for_call(
        "sendMessage", chat_id=ADMIN_ID, since=mark, count=2
    )
    confirm = talk.harness._stored(calls[1])
    await talk.press(confirm, "", data="bcc:y")
    await talk.press(confirm, "", data="bca:all", edit=False)  # a stray flow button
    await talk.press(confirm, "", data="bcs:1", edit=False)


SCENARIOS: dict[str, Scenario] = {
    "everyday": everyday,
    "settings": settings,
    "keywords": keywords,
    "search": searching,
    "own_feeds": own_feeds,
    "admin": admin,
    "broadcast": broadcasting,
}


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_every_text_is_in_the_chats_language(news: Harness, scenario: str, lang: str) -> None:
    talk = Talk(news, lang)
    mark = news.server.mark()
    await SCENARIOS[scenario](talk)
    seen = shown(news, talk.chat_id, mark)
    if scenario == "admin":
        seen += shown(news, GROUP_MEMBER, mark)
    check_language(seen, lang, talk.verbatim)


def test_the_english_sentence_check_knows_the_catalog() -> None:
    assert "Tap one to remove it, or send /unfollow and its number" in ENGLISH
    assert "the settings are unchanged" in ENGLISH
    assert not any(
        ARABIC_LETTER.search(sentence)
        for sentence in ENGLISH
        if not any(word in sentence for word in ARABIC_ON_PURPOSE)
    )


async def test_command_menus_are_set_in_each_language_admins_included(harness: Harness) -> None:
    default = harness.server.commands()
    arabic = harness.server.commands(language_code="ar")
    assert [c["command"] for c in default] == [c["command"] for c in arabic]
    described = dict((c["command"], c["description"]) for c in arabic)
    assert described["latest"] == "أحدث العناوين في مواضيعك"
    assert all(ARABIC_LETTER.search(c["description"]) for c in arabic)
    assert not any(ARABIC_LETTER.search(c["description"]) for c in default)
    admin_scope = {"type": "chat", "chat_id": ADMIN_ID}
    admin_default = harness.server.commands(admin_scope)
    admin_arabic = harness.server.commands(admin_scope, language_code="ar")
    assert {"command": "broadcast", "description": "Admin: send breaking news"} in admin_default
    assert {"command": "broadcast", "description": "المشرف: إرسال خبر عاجل"} in admin_arabic
    assert len(admin_arabic) == len(admin_default) == len(default) + 10
