"""/digest: show what the chat's next digest would hold right now, without consuming it."""

from __future__ import annotations

from bot.chat import ChatContext, chat_handler
from digests.editions import preview_digest
from digests.timeutil import utcnow


@chat_handler
async def digest(chat: ChatContext) -> None:
    """Reply with the next digest so far (one message per part), or when it is due."""
    svc = chat.services
    preview = await preview_digest(svc.db, svc.renderer, chat.id, now=utcnow())
    for html in preview.messages:
        await chat.reply(html)
