"""The fake Bot API server, driven by the real python-telegram-bot 22 stack."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.support.botapi import BotApiServer, HtmlParseError, parse_html, utf16_len

# PTB 22 itself warns when it builds a RetryAfter (int retry_after is deprecated).
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        yield srv


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[telegram.Bot]:
    b = telegram.Bot(server.token, base_url=server.api_url, base_file_url=server.file_url)
    async with b:
        yield b


def retry_seconds(error: RetryAfter) -> float:
    """retry_after in seconds, whether PTB gives an int or (PTB_TIMEDELTA) a timedelta."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def raw_post(server: BotApiServer, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base_url}{path}", **kwargs) as resp,
    ):
        return resp.status, await resp.json()


# -- basics -----------------------------------------------------------------------------------


async def test_base_url_is_local_without_trailing_slash(server: BotApiServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert not server.base_url.endswith("/")
    assert server.token == "123456:TEST-TOKEN"


async def test_get_me(server: BotApiServer, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456
    assert me.is_bot
    assert me.username == "newsbot_test_bot"
    assert server.calls_of("getMe")[0].ok


async def test_wrong_token_is_401_and_unknown_method_404(server: BotApiServer) -> None:
    other = telegram.Bot("123456:WRONG", base_url=server.api_url)
    try:
        with pytest.raises(InvalidToken):
            await other.get_me()
    finally:
        await other.request.shutdown()  # never initialized, so Bot.shutdown() is a no-op
    status, body = await raw_post(server, "/bot123456:WRONG/getMe")
    assert (status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await raw_post(server, f"/bot{server.token}/noSuchMethod")
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_parameters_by_query_form_and_json(server: BotApiServer) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, body = await raw_post(
        server, f"/bot{server.token}/sendMessage?chat_id=5&text=by%20query"
    )
    assert status == 200 and body["result"]["text"] == "by query"
    status, body = await raw_post(
        server,
        f"/bot{server.token}/sendMessage",
        data={"chat_id": "5", "text": "by form", "reply_markup": json.dumps(markup)},
    )
    assert status == 200 and body["result"]["reply_markup"] == markup
    status, body = await raw_post(
        server,
        f"/bot{server.token}/sendMessage",
        json={"chat_id": 5, "text": "<i>by json</i>", "parse_mode": "html"},
    )
    assert status == 200 and body["result"]["entities"] == [
        {"offset": 0, "length": 7, "type": "italic"}
    ]
    form_call = server.calls_of("sendMessage")[1]
    assert form_call.params["chat_id"] == 5  # decoded from the form's string
    assert form_call.params["reply_markup"] == markup  # decoded from the JSON-encoded field
    assert [m.message_id for m in server.messages(5)] == [1, 2, 3]


# -- sending and validation -------------------------------------------------------------------


async def test_send_html_message(server: BotApiServer, bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
    html = '<b>Top</b> &amp; <a href="https://example.com/a?x=1&amp;y=2">link</a> 🎉 <i>end</i>'
    sent = await bot.send_message(
        42,
        html,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert sent.text == "Top & link 🎉 end"
    assert sent.chat.id == 42 and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == server.bot_id
    assert sent.reply_markup == keyboard
    link = next(e for e in sent.entities if e.type == "text_link")
    assert (link.offset, link.length, link.url) == (6, 4, "https://example.com/a?x=1&y=2")
    italic = next(e for e in sent.entities if e.type == "italic")
    assert italic.offset == utf16_len("Top & link 🎉 ") == 14  # the emoji is two code units

    second = await bot.send_message(42, "plain")
    assert second.message_id == sent.message_id + 1
    (stored, _) = server.messages(42)
    assert stored.html == html and stored.text == sent.text
    assert stored.entities_count == 3
    assert stored.link_preview_disabled
    assert stored.reply_markup == keyboard.to_dict()
    (call,) = await server.wait_for_call("sendMessage", chat_id=42)
    assert call.params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<b>bold</b> <br> more", 'Unsupported start tag "br" at byte offset 12'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("text</b>", "Unexpected end tag at byte offset 4"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom &nbsp; Jerry", 'Unsupported HTML entity "&nbsp;" at byte offset 4'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_malformed_html_is_rejected(
    server: BotApiServer, bot: telegram.Bot, html: str, reason: str
) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(1, html, parse_mode=ParseMode.HTML)
    description = f"Bad Request: can't parse entities: {reason}"
    assert server.calls_of("sendMessage")[0].response["description"] == description
    # PTB drops "Bad Request: " and capitalize()s the rest, lowercasing Telegram's wording.
    assert info.value.message == f"Can't parse entities: {reason}".capitalize()


async def test_rejected_send_stores_nothing(server: BotApiServer, bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(1, "<x>", parse_mode=ParseMode.HTML)
    assert server.messages(1) == []
    (call,) = server.calls_of("sendMessage")
    assert call.status == 400 and not call.ok
    assert call.response["description"].startswith("Bad Request: can't parse entities: ")


async def test_text_length_counts_utf16_after_parsing(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    await bot.send_message(1, "😀" * 2048)  # 4096 code units: the limit
    await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "😀" * 2048 + "x")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1, "<b> </b>", parse_mode=ParseMode.HTML)
    assert len(server.messages(1)) == 2


async def test_edit_message_text(server: BotApiServer, bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]])
    sent = await bot.send_message(7, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", 7, sent.message_id, parse_mode="HTML", reply_markup=keyboard
        )
    edited = await bot.edit_message_text("<i>v2</i>", 7, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message)
    assert edited.text == "v2" and edited.edit_date is not None
    (stored,) = server.messages(7)
    # As on Telegram, an edit without reply_markup drops the inline keyboard.
    assert stored.text == "v2" and stored.html == "<i>v2</i>" and stored.reply_markup is None
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v3", 7, 999)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text("<q>", 7, sent.message_id, parse_mode="HTML")


async def test_edit_reply_markup_and_delete(server: BotApiServer, bot: telegram.Bot) -> None:
    sent = await bot.send_message(8, "hi")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("go", url="https://example.com")]])
    await bot.edit_message_reply_markup(8, sent.message_id, reply_markup=keyboard)
    assert server.messages(8)[0].reply_markup == keyboard.to_dict()
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(8, sent.message_id, reply_markup=keyboard)
    assert await bot.delete_message(8, sent.message_id)
    assert server.messages(8) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(8, sent.message_id)


async def test_bad_callback_data_is_rejected(bot: telegram.Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1, "x", reply_markup=keyboard)


# -- faults -----------------------------------------------------------------------------------


async def test_fail_next_429_gives_retry_after(server: BotApiServer, bot: telegram.Bot) -> None:
    server.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "x")
    assert retry_seconds(info.value) == 7
    (call,) = server.calls_of("sendMessage")
    assert call.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    await bot.send_message(1, "x")  # only the next one failed
    assert len(server.messages(1)) == 1


async def test_fail_next_matches_chat_and_counts(server: BotApiServer, bot: telegram.Bot) -> None:
    server.fail_next("sendMessage", status=502, description="Bad Gateway", chat_id=2, times=2)
    await bot.send_message(1, "other chat is fine")
    for _ in range(2):
        with pytest.raises(telegram.error.NetworkError, match="Bad Gateway"):
            await bot.send_message(2, "x")
    await bot.send_message(2, "x")


async def test_block_gives_forbidden(server: BotApiServer, bot: telegram.Bot) -> None:
    server.block(99)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(99, "x")
    server.unblock(99)
    await bot.send_message(99, "x")


async def test_migrate_gives_chat_migrated(server: BotApiServer, bot: telegram.Bot) -> None:
    server.fail_next("sendMessage", status=400, migrate_to_chat_id=-1001234567890)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-12345, "x")
    assert info.value.new_chat_id == -1001234567890

    server.migrate_chat(-555, -1000000000555)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(-555, "x")
    assert info.value.new_chat_id == -1000000000555
    sent = await bot.send_message(-1000000000555, "x")
    assert sent.chat.type == "supergroup"


async def test_rate_limit_answers_429_past_the_window(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    server.rate_limit(5)
    outcomes = await asyncio.gather(
        *(bot.send_message(1, f"m{i}") for i in range(8)), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, RetryAfter)]
    assert len(refused) == 3
    assert all(retry_seconds(r) == 1 for r in refused)
    assert server.accepted_per_second_windows() == 5
    await asyncio.sleep(1.05)
    await bot.send_message(1, "after the window")
    server.rate_limit(None)
    await asyncio.gather(*(bot.send_message(1, "x") for _ in range(10)))
    assert server.accepted_per_second_windows() == 11


# -- commands, members, chats -----------------------------------------------------------------


async def test_set_my_commands_is_recorded(server: BotApiServer, bot: telegram.Bot) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("latest", "Latest digest")]
    assert await bot.set_my_commands(commands)
    await bot.set_my_commands([BotCommand("start", "Начать")], language_code="ru")
    assert server.commands() == [
        {"command": "start", "description": "Start"},
        {"command": "latest", "description": "Latest digest"},
    ]
    assert server.commands(language_code="ru") == [{"command": "start", "description": "Начать"}]
    assert tuple(await bot.get_my_commands()) == tuple(commands)
    assert server.calls_of("setMyCommands")[0].params["commands"][1]["command"] == "latest"
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_chat_members(server: BotApiServer, bot: telegram.Bot) -> None:
    server.inject_message(-100500, "hello", chat_type="supergroup", title="News", user_id=11)
    chat = await bot.get_chat(-100500)
    assert (chat.type, chat.title) == ("supergroup", "News")
    member = await bot.get_chat_member(-100500, 11)
    assert member.status == "member" and member.user.id == 11
    server.set_member_status(-100500, 11, "administrator")
    server.set_member_status(-100500, 12, "creator")
    server.set_member_status(-100500, 13, "kicked")
    assert isinstance(await bot.get_chat_member(-100500, 11), telegram.ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(-100500, 13), telegram.ChatMemberBanned)
    admins = await bot.get_chat_administrators(-100500)
    assert sorted(a.user.id for a in admins) == [11, 12]
    with pytest.raises(ValueError, match="unknown member status"):
        server.set_member_status(-100500, 11, "boss")


async def test_my_chat_member_kicked_blocks_sends(server: BotApiServer, bot: telegram.Bot) -> None:
    await bot.send_message(77, "hi")
    raw = server.inject_my_chat_member(77, "kicked", chat_type="private", user_id=77)
    update = Update.de_json(raw, bot)
    assert update.my_chat_member is not None
    assert update.my_chat_member.old_chat_member.status == "member"
    assert update.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(77, "x")
    server.inject_my_chat_member(77, "member", chat_type="private", user_id=77)
    await bot.send_message(77, "back")


# -- files --------------------------------------------------------------------------------------


async def test_upload_photo_and_document(server: BotApiServer, bot: telegram.Bot) -> None:
    photo = await bot.send_photo(3, b"\x89PNG fake", caption="<b>pic</b>", parse_mode="HTML")
    assert photo.photo and photo.caption == "pic"
    document = await bot.send_document(3, b"a,b\n1,2\n", filename="digest.csv")
    assert document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("digest.csv", 8)
    (call,) = server.calls_of("sendDocument")
    assert call.params["document"]["filename"] == "digest.csv"
    assert call.params["document"]["size"] == 8
    kinds = [(m.kind, m.file.size if m.file else None) for m in server.messages(3)]
    assert kinds == [("photo", 9), ("document", 8)]
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(3, b"x", caption="x" * 1025)


async def test_injected_document_can_be_downloaded(server: BotApiServer, bot: telegram.Bot) -> None:
    raw = server.inject_document(4, "feeds.opml", b"<opml/>", mime_type="text/x-opml")
    update = Update.de_json(raw, bot)
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"<opml/>"


# -- updates and waiting ------------------------------------------------------------------------


async def test_get_updates_long_polls_and_confirms(server: BotApiServer, bot: telegram.Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=300)) == ()
    assert time.monotonic() - started >= 0.25

    async def inject_later() -> None:
        await asyncio.sleep(0.1)
        server.inject_message(10, "/start@newsbot_test_bot hi")

    task = asyncio.create_task(inject_later())
    started = time.monotonic()
    (update,) = await bot.get_updates(timeout=5)
    await task
    assert time.monotonic() - started < 2
    assert update.message is not None and update.message.text == "/start@newsbot_test_bot hi"
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/start@newsbot_test_bot")
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    assert server.pending_updates == []


async def test_wait_for_call_times_out_with_a_dump(server: BotApiServer, bot: telegram.Bot) -> None:
    await bot.send_message(1, "something else")
    expected = (
        r"(?s)waiting for 1 x sendMessage to chat 2.*"
        r"sendMessage\(chat_id=1, text='something else'\) -> ok"
    )
    with pytest.raises(AssertionError, match=expected):
        await server.wait_for_call("sendMessage", chat_id=2, timeout=0.1)
    mark = server.mark()
    await bot.send_message(2, "now")
    (call,) = await server.wait_for_call("sendMessage", since=mark)
    assert call.params["text"] == "now"


async def test_test_routes(server: BotApiServer) -> None:
    status, update = await raw_post(server, "/test/inject", json={"chat_id": 5, "text": "hi"})
    assert status == 200 and update["message"]["text"] == "hi"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/test/calls") as resp,
    ):
        assert resp.status == 200 and await resp.json() == []
    assert server.pending_updates == [update]


# -- a real Application polling --------------------------------------------------------------


async def start_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Topics", callback_data="topics")]])
    await context.bot.send_message(
        update.effective_chat.id, "<b>Welcome</b>", parse_mode="HTML", reply_markup=keyboard
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Chosen")
    await query.edit_message_text(f"You chose <i>{query.data}</i>", parse_mode="HTML")


async def test_application_polling_end_to_end(server: BotApiServer) -> None:
    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(server.token).base_url(server.api_url).build()
    )
    app.add_handler(CommandHandler("start", start_cmd))
    app.add_handler(CallbackQueryHandler(on_button))
    await app.initialize()
    try:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)

        server.inject_message(500, "/start", first_name="Ann")
        (reply,) = await server.wait_for_call("sendMessage", chat_id=500)
        assert reply.ok and reply.result["text"] == "Welcome"
        message_id = reply.result["message_id"]

        update = server.inject_callback(500, message_id, "topics")
        query_id = update["callback_query"]["id"]
        (edit,) = await server.wait_for_call("editMessageText", chat_id=500)
        assert edit.ok, edit.response
        assert server.answered_callbacks[query_id]["text"] == "Chosen"
        (stored,) = server.messages(500)
        assert stored.text == "You chose topics" and stored.reply_markup is None
        assert stored.entities_count == 1
        assert [m.text for m in server.messages(500, incoming=True)] == ["/start"]
    finally:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    with pytest.raises(BadRequest, match="Query is too old"):
        async with telegram.Bot(server.token, base_url=server.api_url) as bot:
            await bot.answer_callback_query(query_id)


# -- the HTML parser itself -------------------------------------------------------------------


def test_parse_html_entities_and_offsets() -> None:
    parsed = parse_html(
        '  <pre><code class="language-python">x = 1</code></pre>\n'
        "<blockquote expandable>quote</blockquote> <tg-spoiler>s</tg-spoiler>"
        ' <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &#127881;&#x41;&lt;\n'
    )
    assert parsed.text == "x = 1\nquote s 👍 🎉A<"
    assert parsed.entities == [
        {"offset": 0, "length": 5, "type": "pre", "language": "python"},
        {"offset": 6, "length": 5, "type": "expandable_blockquote"},
        {"offset": 12, "length": 1, "type": "spoiler"},
        {
            "offset": 14,
            "length": 2,
            "type": "custom_emoji",
            "custom_emoji_id": "5368324170671202286",
        },
    ]


def test_parse_html_lenient_entities_keep_the_ampersand() -> None:
    assert parse_html("Tom & Jerry &nbsp;", strict_entities=False).text == "Tom & Jerry &nbsp;"
    with pytest.raises(HtmlParseError):
        parse_html("Tom & Jerry")


async def test_second_poller_terminates_the_first(server: BotApiServer, bot: telegram.Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with telegram.Bot(server.token, base_url=server.api_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


async def test_stop_ends_a_pending_long_poll_at_once() -> None:
    server = BotApiServer()
    await server.start()
    async with telegram.Bot(server.token, base_url=server.api_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await server.stop()
        assert await poll == ()
        assert time.monotonic() - started < 1


async def test_injected_messages_come_from_a_user_never_from_the_bot() -> None:
    async with BotApiServer(token="1:TEST") as server:
        update = server.inject_message(2, "/start")
        sender = update["message"]["from"]
        assert (sender["id"], sender["is_bot"], sender["first_name"]) == (2, False, "Test")
        with pytest.raises(ValueError, match="is the bot itself"):
            server.inject_message(1, "/start")  # the private chat of user 1: the bot's own id
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{server.base_url}/test/inject", json={"chat_id": 1, "text": "/start"}
            ) as refused,
        ):
            assert refused.status == 400
            assert "is the bot itself" in await refused.text()


# -- forum topics -------------------------------------------------------------------------------


async def test_a_forum_has_threads_that_messages_carry(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    server.add_forum(-100900, title="Forum")
    topic = await bot.create_forum_topic(-100900, "Sport")
    chat = await bot.get_chat(-100900)
    server.inject_message(
        -100900, "/topics", chat_type="supergroup", user_id=11, thread_id=topic.message_thread_id
    )
    server.inject_message(-100900, "in general", chat_type="supergroup", user_id=11)
    in_topic, in_general = (u.message for u in await bot.get_updates(timeout=5))

    sent = await bot.send_message(-100900, "score", message_thread_id=topic.message_thread_id)

    assert chat.is_forum is True
    assert in_topic is not None and in_general is not None
    assert in_topic.is_topic_message and in_topic.message_thread_id == topic.message_thread_id
    assert not in_general.is_topic_message and in_general.message_thread_id is None
    assert sent.is_topic_message and sent.message_thread_id == topic.message_thread_id
    assert server.messages(-100900)[-1].thread_id == topic.message_thread_id


async def test_threads_that_are_gone_closed_or_general_are_refused_as_telegram_does(
    server: BotApiServer, bot: telegram.Bot
) -> None:
    server.add_forum(-100901)
    closed = server.create_topic(-100901, "Closed")
    deleted = server.create_topic(-100901, "Deleted")
    await bot.close_forum_topic(-100901, closed)
    await bot.delete_forum_topic(-100901, deleted)
    server.add_chat(-100902, "supergroup")

    errors = []
    for chat_id, thread_id in ((-100901, closed), (-100901, deleted), (-100901, 1), (-100902, 5)):
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(chat_id, "hi", message_thread_id=thread_id)
        errors.append(caught.value.message)
    await bot.reopen_forum_topic(-100901, closed)
    reopened = await bot.send_message(-100901, "open again", message_thread_id=closed)

    assert errors == ["Topic_closed", *["Message thread not found"] * 3]
    assert reopened.message_thread_id == closed


async def test_disable_notification_is_recorded(server: BotApiServer, bot: telegram.Bot) -> None:
    await bot.send_message(77, "quiet", disable_notification=True)
    await bot.send_message(77, "loud")

    assert [m.silent for m in server.messages(77)] == [True, False]
