"""Unknown commands and free text get a one-line hint (in groups, only when addressed to us)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.chat import open_chat


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
    opened = await open_chat(update, context)
    await opened.say("hint")
