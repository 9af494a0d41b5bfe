"""/digest: show what the chat's next digest would hold right now, without consuming it."""

from __future__ import annotations

from bot import read_buttons
from bot.chat import ChatContext, chat_handler
from digests.editions import preview_digest
from digests.timeutil import utcnow


@chat_handler
async def digest(chat: ChatContext) -> None:
    """Reply with the next digest so far (one message per part), or when it is due."""
    svc = chat.services
    preview = await preview_digest(svc.db, svc.renderer, chat.id, now=utcnow())
    buttons = preview.buttons or tuple(() for _ in preview.messages)
    for html, read in zip(preview.messages, buttons, strict=True):
        await chat.reply(html, read_buttons.keyboard(read_buttons.in_chat(chat.ref.kind, read)))
