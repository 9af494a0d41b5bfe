"""OPML in the chat (bot admins): /export sends the sources as a file; a sent .opml is imported.

The uploaded file is read from Telegram (getFile), parsed without entities or network, and
every feed is checked by fetching it once; the reply lists what was added and what failed.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.handlers.admin_common import allowed, send_file
from bot.handlers.replies import reply
from bot.services import services
from digests import source_admin
from digests.errors import InvalidInput
from digests.ingest import make_fetcher
from digests.opml import MAX_BYTES
from digests.timeutil import utcnow

EXPORT_NAME = "newsbot-sources.opml"
SHOWN = 20
OPML_DOCUMENT = filters.Document.FileExtension("opml") | filters.Document.MimeType("text/x-opml")


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send every source as an OPML 2.0 file, names and fetch intervals kept."""
    if not await allowed(update, context):
        return
    data, count = await source_admin.export_opml(services(context).db, now=utcnow())
    caption = f"{count} source{'s' if count != 1 else ''}"
    await send_file(update, context, data=data, filename=EXPORT_NAME, caption=caption)


async def import_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Import the .opml file the admin sent and reply with what became of each feed."""
    if not await allowed(update, context):
        return
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    svc = services(context)
    filename = document.file_name or "the file"
    renderer = svc.renderer
    if document.file_size is not None and document.file_size > MAX_BYTES:
        reason = f"it is larger than {MAX_BYTES // 1_000_000} MB"
        await reply(
            update, context, renderer.render("admin_opml_failed", filename=filename, reason=reason)
        )
        return
    try:
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        reason = f"could not download it from Telegram ({exc.message})"
        await reply(
            update, context, renderer.render("admin_opml_failed", filename=filename, reason=reason)
        )
        return
    settings = svc.settings
    try:
        async with make_fetcher(settings) as fetcher:
            report = await source_admin.import_opml(
                svc.db,
                fetcher,
                data,
                default_interval=settings.default_fetch_interval,
                allow_private=settings.allow_private_sources,
                now=utcnow(),
            )
    except InvalidInput as exc:
        await reply(
            update,
            context,
            renderer.render("admin_opml_failed", filename=filename, reason=str(exc)),
        )
        return
    added, failed = report.with_status("added"), report.with_status("failed")
    html = renderer.render(
        "admin_opml_report",
        added=len(added),
        present=len(report.with_status("present")),
        failed=len(failed),
        added_shown=added[:SHOWN],
        added_more=max(0, len(added) - SHOWN),
        failed_shown=failed[:SHOWN],
        failed_more=max(0, len(failed) - SHOWN),
    )
    await reply(update, context, html)


async def _failed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, filename: str, reason: str
) -> None:
    html = services(context).renderer.render("admin_opml_failed", filename=filename, reason=reason)
    await reply(update, context, html)


def handlers(chats: filters.BaseFilter) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("export", export, filters=chats),
        MessageHandler(filters.UpdateType.MESSAGE & OPML_DOCUMENT, import_document),
    ]
