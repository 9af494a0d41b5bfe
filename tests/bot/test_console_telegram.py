"""The console's in-process Bot API: it answers python-telegram-bot as Telegram would, and its
screen draws Telegram HTML for the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from telegram import (
    Bot,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.console.screen import html_text
from bot.console.telegram import Event, InProcessRequest, Person, Telegram

SAM = Person("user", 1001, "Sam", 1001)


async def _bot(tmp_path: Path, events: list[Event]) -> Bot:
    telegram = Telegram(tmp_path, events.append)
    bot = Bot("123456:CONSOLE", request=InProcessRequest(telegram))
    await bot.initialize()
    return bot


async def test_it_refuses_what_telegram_refuses(tmp_path: Path) -> None:
    events: list[Event] = []
    bot = await _bot(tmp_path, events)
    with pytest.raises(BadRequest, match="parse entities"):
        await bot.send_message(1001, "<b>unclosed", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(1001, "x" * 4097)
    sent = await bot.send_message(1001, "🎉" * 2048, parse_mode=ParseMode.HTML)  # 4,096 units
    assert sent.message_id == 1
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("🎉" * 2048, chat_id=1001, message_id=1)
    assert [e.kind for e in events] == ["sent"]


async def test_buttons_edits_and_forced_replies_come_back_as_from_telegram(tmp_path: Path) -> None:
    events: list[Event] = []
    bot = await _bot(tmp_path, events)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Syria", callback_data="tp:1:0")]])
    sent = await bot.send_message(1001, "<b>Topics</b>", parse_mode="HTML", reply_markup=keyboard)
    assert sent.text == "Topics" and sent.reply_markup == keyboard
    asked = await bot.send_message(1001, "Send the time", reply_markup=ForceReply())
    assert asked.reply_markup is None  # Telegram returns only inline keyboards
    edited = await bot.edit_message_text(
        "<i>Topics</i>", chat_id=1001, message_id=sent.message_id, parse_mode="HTML"
    )
    assert isinstance(edited, type(sent)) and edited.text == "Topics"
    assert [e.kind for e in events] == ["sent", "sent", "edited"]
    assert events[-1].message is not None and events[-1].message.html == "<i>Topics</i>"


def test_the_screen_shows_telegram_html_as_text_with_styles() -> None:
    console = Console(record=True, width=60, color_system="truecolor")
    console.print(
        html_text(
            'A &lt;b&gt; &amp; <b>bold</b> <i>it</i> <a href="https://e.example/x">link</a>\n'
            "<blockquote expandable>quoted line</blockquote>after"
        )
    )
    shown = console.export_text(clear=False)
    assert "A <b> & bold it link" in shown
    assert "▍ quoted line" in shown and shown.rstrip().endswith("after")
    styled = console.export_text(styles=True)
    assert "\x1b[1mbold" in styled and "\x1b[3mit" in styled
    assert "https://e.example/x" in styled  # the link a terminal can open


async def test_chat_members_come_back_as_telegram_shapes_them(tmp_path: Path) -> None:
    """A group's owner and the bot as an administrator, as python-telegram-bot reads them
    (a missing field used to make every admin action in the console's group fail)."""
    bot = await _bot(tmp_path, [])
    owner = await bot.get_chat_member(-1001, SAM.user_id)
    me = await bot.get_chat_member(-1001, bot.id)
    assert isinstance(owner, ChatMemberOwner) and not owner.is_anonymous
    assert isinstance(me, ChatMemberAdministrator) and me.can_delete_messages
