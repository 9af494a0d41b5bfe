"""/stats (bot admins): the numbers in one message, then the 30-day chart as a photo."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, filters

from bot.handlers.admin_common import allowed, send_file
from bot.handlers.replies import reply
from bot.services import services
from digests import stats
from digests.timeutil import utcnow


async def show_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the numbers, then send the chart of the last 30 days."""
    if not await allowed(update, context):
        return
    svc = services(context)
    now = utcnow()
    found = await stats.gather_stats(svc.db, now=now)
    await reply(update, context, svc.renderer.render("stats", **stats.stats_view(found)))
    png = await stats.chart_png(svc.db, now=now)
    caption = f"Chats following a topic and messages sent per day, last {stats.SERIES_DAYS} days"
    await send_file(update, context, data=png, filename="stats.png", caption=caption, photo=True)


def handlers(chats: filters.BaseFilter) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [CommandHandler("stats", show_stats, filters=chats)]
