"""Sending a rendered reply into the chat (and thread) an update came from.

Replies go out at once rather than through the outbox, but they take their slot from the
outbox sender's pacer first, so replies and queued messages together stay within Telegram's
limits; a reply waits at most a fraction of a second (one chat: a second between messages).
"""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes

from bot.services import services


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    html: str,
    markup: InlineKeyboardMarkup | ForceReply | None = None,
) -> Message:
    """Send ``html`` to the update's chat, in the same forum thread when there is one."""
    chat = update.effective_chat
    assert chat is not None
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    delivery = services(context).delivery
    if delivery is not None:
        await delivery.acquire_direct(chat.id, group_like=chat.type != "private")
    return await context.bot.send_message(
        chat_id=chat.id, text=html, reply_markup=markup, message_thread_id=thread
    )
