"""Unknown commands and free text get a one-line hint (in groups, only when addressed to us)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.handlers.language import chat_language
from bot.handlers.replies import reply
from bot.services import services


async def hint(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point the user at /latest, /topics and /help."""
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    if chat.type != ChatType.PRIVATE:
        # Groups talk among themselves: answer only commands addressed to this bot.
        text = message.text or ""
        if not text.startswith("/") or f"@{context.bot.username}".lower() not in text.lower():
            return
    lang = await chat_language(update, context)
    await reply(update, context, services(context).renderer.render("hint", lang=lang))
