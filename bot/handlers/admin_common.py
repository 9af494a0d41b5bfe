"""What the admin handlers share: the admin gate (``bot.admin``) as a check, button
fingerprints, and sending files."""

from __future__ import annotations

import zlib

from telegram import InputFile, Message, Update
from telegram.ext import ContextTypes

from bot.admin import is_admin, refuse
from bot.services import services


async def allowed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True for a user listed in ADMIN_IDS; anyone else gets "Not allowed." and False.

    Call it first in every admin command and button handler: a button's callback data says
    nothing about who pressed it.
    """
    if is_admin(update, context):
        return True
    await refuse(update, context)
    return False


def fingerprint(text: str) -> str:
    """8 hex digits that tell one name or URL from another, carried in callback data.

    SQLite gives a deleted row's id to the next row, so an id alone in an old confirmation
    button could point at a different topic or source by the time it is pressed.
    """
    return f"{zlib.crc32(text.casefold().encode()):08x}"


async def send_file(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    data: bytes,
    filename: str,
    caption: str,
    photo: bool = False,
) -> Message:
    """Send ``data`` as a document (or a photo) to the update's chat, paced like replies."""
    chat = update.effective_chat
    assert chat is not None
    delivery = services(context).delivery
    if delivery is not None:
        await delivery.acquire_direct(chat.id, group_like=chat.type != "private")
    upload = InputFile(data, filename=filename)
    if photo:
        return await context.bot.send_photo(chat_id=chat.id, photo=upload, caption=caption)
    return await context.bot.send_document(chat_id=chat.id, document=upload, caption=caption)
