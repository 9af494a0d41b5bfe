"""Sending a rendered reply into the chat (and thread) an update came from."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import ContextTypes


async def reply(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    html: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send ``html`` to the update's chat, in the same forum thread when there is one."""
    chat = update.effective_chat
    assert chat is not None
    message = update.effective_message
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    return await context.bot.send_message(
        chat_id=chat.id, text=html, reply_markup=markup, message_thread_id=thread
    )
