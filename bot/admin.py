"""Admin-only handlers: a decorator that refuses everyone not listed in ADMIN_IDS.

The check runs on every update the decorated handler gets: commands, typed answers and
button presses alike. Callback data comes back from clients and can be forged, so a button
is never trusted to mean "an admin saw this menu": whoever presses it is checked again. A
refused update gets a short "Not allowed." and changes nothing; the handler returns None,
which inside a ConversationHandler keeps the conversation where it was.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import ContextTypes

from bot.filters import is_bot_admin
from bot.services import services

log = logging.getLogger(__name__)

NOT_ALLOWED = "Not allowed."

R = TypeVar("R")
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, R]]


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the update comes from a user listed in ADMIN_IDS."""
    return is_bot_admin(update, services(context).settings.admin_ids)


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say "Not allowed." where the update came from: a toast for a button, else a reply."""
    user = update.effective_user
    log.info("refused an admin action to user %s", user.id if user else None)
    query = update.callback_query
    if query is not None:
        await query.answer(NOT_ALLOWED, show_alert=True)
        return
    from bot.handlers.replies import reply  # handlers import this module

    if update.effective_chat is not None:
        await reply(update, context, NOT_ALLOWED)


def admin_only(handler: Handler[R]) -> Handler[R | None]:
    """Run ``handler`` for admins only; refuse everyone else and return None."""

    @functools.wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> R | None:
        if not is_admin(update, context):
            await refuse(update, context)
            return None
        return await handler(update, context)

    return checked
