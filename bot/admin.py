"""Admin-only handlers: a decorator that refuses everyone not listed in ADMIN_IDS.

The check runs on every update the decorated handler gets: commands, typed answers and
button presses alike. Callback data comes back from clients and can be forged, so a button
is never trusted to mean "an admin saw this menu": whoever presses it is checked again. A
refused update gets a short "Not allowed." (in the chat's language) and changes nothing; the
handler returns None, which inside a ConversationHandler keeps the conversation where it was.
"""

from __future__ import annotations

import functools
import logging
from typing import TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from bot.chat import ChatContext, ChatHandler, Handler, open_chat
from bot.filters import is_bot_admin
from bot.services import services
from digests.i18n import N_

log = logging.getLogger(__name__)

NOT_ALLOWED = N_("Not allowed.")

R = TypeVar("R")


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the update comes from a user listed in ADMIN_IDS."""
    return is_bot_admin(update, services(context).settings.admin_ids)


async def refuse(chat: ChatContext) -> None:
    """Say "Not allowed." where the update came from: a toast for a button, else a reply."""
    user = chat.update.effective_user
    log.info("refused an admin action to user %s", user.id if user else None)
    if chat.update.callback_query is not None:
        await chat.toast(chat._(NOT_ALLOWED), alert=True)
        return
    await chat.reply(chat._(NOT_ALLOWED))


def admin_only(handler: ChatHandler[R]) -> Handler[R | None]:
    """Open the chat (unregistered) and run ``handler`` for admins only; refuse everyone
    else (None)."""

    @functools.wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> R | None:
        chat = await open_chat(update, context, register=False)
        if not is_admin(update, context):
            await refuse(chat)
            return None
        return await handler(chat)

    return checked
