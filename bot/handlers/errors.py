"""The one error handler: log the traceback (token-free) and apologise to the user."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.services import services

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong; tell the user briefly; keep serving everyone else."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer("Sorry, something went wrong.")
    try:
        await context.bot.send_message(
            update.effective_chat.id, services(context).renderer.render("error")
        )
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)
