"""What the admin handlers share: button fingerprints and sending files."""

from __future__ import annotations

import zlib

from telegram import InputFile, Message

from bot.chat import ChatContext


def fingerprint(text: str) -> str:
    """8 hex digits that tell one name or URL from another, carried in callback data.

    SQLite gives a deleted row's id to the next row, so an id alone in an old confirmation
    button could point at a different topic or source by the time it is pressed.
    """
    return f"{zlib.crc32(text.casefold().encode()):08x}"


async def send_file(
    chat: ChatContext, *, data: bytes, filename: str, caption: str, photo: bool = False
) -> Message:
    """Send ``data`` as a document (or a photo) to the chat, paced like replies."""
    delivery = chat.services.delivery
    if delivery is not None:
        await delivery.acquire_direct(chat.id, group_like=chat.ref.kind.value != "private")
    upload = InputFile(data, filename=filename)
    bot = chat.context.bot
    if photo:
        return await bot.send_photo(chat_id=chat.id, photo=upload, caption=caption)
    return await bot.send_document(chat_id=chat.id, document=upload, caption=caption)
