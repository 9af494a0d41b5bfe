"""/digest: show what the chat's next digest would hold right now, without consuming it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import subscriptions
from digests.editions import preview_digest
from digests.timeutil import utcnow


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the next digest so far (one message per part), or when it is due."""
    svc = services(context)
    ref = chat_ref(update)
    now = utcnow()
    await subscriptions.register_chat(svc.db, ref, svc.settings, now=now)
    preview = await preview_digest(svc.db, svc.renderer, ref.id, now=now)
    for html in preview.messages:
        await reply(update, context, html)
