"""OPML in the chat (bot admins): /export sends the sources as a file; a sent .opml is imported.

The uploaded file is read from Telegram (getFile), parsed without entities or network, and
every feed is checked by fetching it once; the reply lists what was added and what failed.
"""

from __future__ import annotations

from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.admin import admin_only
from bot.chat import ChatContext
from bot.handlers.admin_common import send_file
from bot.types import Handler
from digests import source_admin
from digests.echo import shorten
from digests.errors import InvalidInput
from digests.ingest import make_fetcher
from digests.opml import MAX_BYTES
from digests.timeutil import utcnow

EXPORT_NAME = "newsbot-sources.opml"
SHOWN = 20
OPML_DOCUMENT = filters.Document.FileExtension("opml") | filters.Document.MimeType("text/x-opml")


@admin_only
async def export(chat: ChatContext) -> None:
    """Send every source as an OPML 2.0 file, names and fetch intervals kept."""
    data, count = await source_admin.export_opml(chat.services.db, now=utcnow())
    caption = chat.ngettext("%(num)d source", "%(num)d sources", count)
    await send_file(chat, data=data, filename=EXPORT_NAME, caption=caption)


@admin_only
async def import_document(chat: ChatContext) -> None:
    """Import the .opml file the admin sent and reply with what became of each feed."""
    message = chat.update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    filename = shorten(document.file_name or "") or chat._("the file")
    if document.file_size is not None and document.file_size > MAX_BYTES:
        reason = chat._("it is larger than %(n)d MB", n=MAX_BYTES // 1_000_000)
        await chat.say("admin_opml_failed", filename=filename, reason=reason)
        return
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        reason = chat._("could not download it from Telegram (%(error)s)", error=exc.message)
        await chat.say("admin_opml_failed", filename=filename, reason=reason)
        return
    settings = chat.services.settings
    try:
        async with make_fetcher(settings) as fetcher:
            report = await source_admin.import_opml(
                chat.services.db,
                fetcher,
                data,
                default_interval=settings.default_fetch_interval,
                allow_private=settings.allow_private_sources,
                now=utcnow(),
            )
    except InvalidInput as exc:
        await chat.say("admin_opml_failed", filename=filename, reason=chat.explain(exc))
        return
    added, failed = report.with_status("added"), report.with_status("failed")
    await chat.say(
        "admin_opml_report",
        added=len(added),
        present=len(report.with_status("present")),
        failed=len(failed),
        added_shown=added[:SHOWN],
        added_more=max(0, len(added) - SHOWN),
        failed_shown=failed[:SHOWN],
        failed_more=max(0, len(failed) - SHOWN),
    )


def handlers(chats: filters.BaseFilter) -> list[Handler]:
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("export", export, filters=chats),
        MessageHandler(filters.UpdateType.MESSAGE & OPML_DOCUMENT, import_document),
    ]
