"""/digest: show what the chat's next digest would hold right now, without consuming it."""

from __future__ import annotations

from bot import read_buttons
from bot.chat import ChatContext, chat_handler
from bot.mute_keyboards import queued_markup
from digests.editions import preview_digest
from digests.timeutil import utcnow


@chat_handler
async def digest(chat: ChatContext) -> None:
    """Reply with the next digest so far (one message per part, with the buttons a digest
    has), or when it is due."""
    svc = chat.services
    preview = await preview_digest(svc.db, svc.renderer, chat.id, now=utcnow())
    buttons = preview.buttons or tuple(() for _ in preview.messages)
    for html, under in zip(preview.messages, buttons, strict=True):
        # The digest's own buttons (Read, Mute), none in a channel.
        await chat.reply(html, queued_markup(read_buttons.in_chat(chat.ref.kind, under)))
