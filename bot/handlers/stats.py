"""/stats (bot admins): the numbers in one message, then the 30-day chart as a photo."""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from bot.admin import admin_only
from bot.chat import ChatContext
from bot.handlers.admin_common import send_file
from bot.types import Handler
from digests import stats
from digests.timeutil import utcnow


@admin_only
async def show_stats(chat: ChatContext) -> None:
    """Reply with the numbers, then send the chart of the last 30 days."""
    db = chat.services.db
    now = utcnow()
    found = await stats.gather_stats(db, now=now)
    await chat.say("stats", **stats.stats_view(found))
    png = await stats.chart_png(db, now=now)
    caption = chat._(
        "Chats following a topic and messages sent per day, last %(n)d days",
        n=stats.SERIES_DAYS,
    )
    await send_file(chat, data=png, filename="stats.png", caption=caption, photo=True)


def handlers(chats: filters.BaseFilter) -> list[Handler]:
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [CommandHandler("stats", show_stats, filters=chats)]
