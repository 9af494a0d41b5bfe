"""The "Mute <source>" buttons under a digest's messages: mute, and undo on the same button.

Muting keeps the source's items out of the chat's digests and /latest; the pressed button
turns into "Unmute <source>", and ``/settings`` lists muted sources too. In groups and
channels only admins may press them.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot import callbacks
from bot import mute_keyboards as kb
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from digests import muting
from digests.errors import NotFound
from digests.timeutil import utcnow
from digests.truncation import truncate

CALLBACK_PATTERN = callbacks.pattern(callbacks.MUTE_SOURCE)
_LABEL_CHARS = 28


@chat_handler
async def on_mute_button(chat: ChatContext) -> None:
    """Mute or unmute the button's source for this chat, and flip the button."""
    action = kb.decode(chat.query.data)
    if action is None:
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    svc = chat.services
    try:
        if isinstance(action, kb.MuteSource):
            name = await muting.mute_source(
                svc.db, chat.ref, action.source_id, svc.settings, now=utcnow()
            )
            flipped: kb.Action = kb.UnmuteSource(action.source_id)
            label = chat._("🔊 Unmute %(source)s", source=_short(name))
            toast = chat._(
                "Muted %(source)s: its news stays out of this chat. "
                "Undo with the same button or in /settings.",
                source=name,
            )
        else:
            name = await muting.unmute_source(svc.db, chat.id, action.source_id)
            flipped = kb.MuteSource(action.source_id)
            label = chat._("🔇 Mute %(source)s", source=_short(name))
            toast = chat._("%(source)s is back in this chat's news.", source=name)
    except NotFound as exc:
        await chat.toast(chat.explain(exc))
        return
    await chat.toast(toast)
    await _flip(
        chat, kb.encode(action), InlineKeyboardButton(label, callback_data=kb.encode(flipped))
    )


def _short(name: str) -> str:
    return truncate(" ".join(name.split()), _LABEL_CHARS)


async def _flip(chat: ChatContext, data: str, replacement: InlineKeyboardButton) -> None:
    """Replace the pressed button (found by its data) in the message's keyboard."""
    message = chat.query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return  # too old to edit: the toast said what happened
    rows = [
        [replacement if button.callback_data == data else button for button in row]
        for row in message.reply_markup.inline_keyboard
    ]
    try:
        await chat.query.edit_message_reply_markup(InlineKeyboardMarkup(rows))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
