"""The one error handler: log the traceback (token-free) and apologise to the user."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.chat import fallback_language
from bot.services import services
from digests import chat_languages
from digests.i18n import translator

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log what went wrong; tell the user briefly; keep serving everyone else."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = await _language(update, context)
    _ = translator(lang)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(_("Sorry, something went wrong."))
    try:
        await context.bot.send_message(
            update.effective_chat.id, services(context).renderer.render("error", lang=lang)
        )
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)


async def _language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The chat's language, read without registering the chat (the update that failed may
    be the bot's removal); the sender's when the database is what failed."""
    chat = update.effective_chat
    assert chat is not None
    try:
        stored = await chat_languages.chat_language(services(context).db, chat.id)
    except Exception:  # the apology must go out whatever broke
        log.warning("could not read the chat's language", exc_info=True)
        return fallback_language(update)
    return stored or fallback_language(update)
