"""Sending a rendered reply into the chat (and thread) an update came from.

Replies go out at once rather than through the outbox, but they take their slot from the
outbox sender's pacer first, so replies and queued messages together stay within Telegram's
limits; a reply waits at most a fraction of a second (one chat: a second between messages).
While it waits, the handler gives its work slot back (see ``bot.lanes``), so one chat's wait
never holds up another chat's reply.
"""

from __future__ import annotations

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ContextTypes

from bot import lanes
from bot.services import services
from digests.delivery import Delivery

# What a reply may carry: buttons under it, a forced reply, or a reply keyboard (or its removal).
Markup = InlineKeyboardMarkup | ForceReply | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    html: str,
    markup: Markup = None,
) -> Message:
    """Send ``html`` to the update's chat, in the same forum thread when there is one."""
    return await answer(update, context.bot, services(context).delivery, html, markup)


async def answer(
    update: Update,
    bot: Bot,
    delivery: Delivery | None,
    html: str,
    markup: Markup = None,
) -> Message:
    """:func:`reply` for callers without a handler context; ``delivery`` None sends unpaced."""
    chat = update.effective_chat
    assert chat is not None
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    if delivery is not None:
        async with lanes.waiting():
            await delivery.acquire_direct(chat.id, group_like=chat.type != "private")
    return await bot.send_message(
        chat_id=chat.id, text=html, reply_markup=markup, message_thread_id=thread
    )
