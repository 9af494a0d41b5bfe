"""Who may change a chat's subscriptions, and who is a bot admin."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

_MANAGERS = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}


async def can_manage_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True in private chats and for channel posts; otherwise only for the chat's admins.

    Anyone reading a channel can press its buttons, so a button press in a channel is
    checked like one in a group. Asked of Telegram on every change, so a demoted admin
    loses the right at once.
    """
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    if chat.type == ChatType.CHANNEL and update.channel_post is not None:
        return True  # only a channel's admins can post in it
    message = update.message
    if message is not None and message.sender_chat is not None:
        # An anonymous group admin posts as the group itself. (Only for messages: the message
        # under a pressed button is the bot's own, posted as the chat in channels.)
        return message.sender_chat.id == chat.id
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check admin status in chat %s: %s", chat.id, exc)
        return False
    return member.status in _MANAGERS


def is_bot_admin(update: Update, admin_ids: frozenset[int]) -> bool:
    """True when the user is listed in ADMIN_IDS."""
    user = update.effective_user
    return user is not None and user.id in admin_ids
