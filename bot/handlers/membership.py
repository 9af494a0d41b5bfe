"""my_chat_member: the bot was blocked, kicked or removed (stop sending), or is back."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import ContextTypes

from bot.services import chat_ref, services
from digests import membership, subscriptions
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

_GONE: dict[str, str] = {ChatMemberStatus.BANNED: "kicked", ChatMemberStatus.LEFT: "left"}
_BACK = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mark the chat inactive when the bot is blocked/kicked/left; reactivate it when back."""
    change = update.my_chat_member
    if change is None:
        return
    svc = services(context)
    status = change.new_chat_member.status
    chat_id = change.chat.id
    if status in _GONE:
        reason = "blocked by the user" if change.chat.type == "private" else _GONE[status]
        dropped = await membership.chat_gone(svc.db, chat_id, reason, now=utcnow())
        log.info("chat %d: bot %s; %d queued messages dropped", chat_id, reason, dropped)
    elif status in _BACK:
        await subscriptions.register_chat(svc.db, chat_ref(update), svc.settings, now=utcnow())
        log.info("chat %d: bot is %s again", chat_id, status)
