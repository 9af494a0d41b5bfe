"""/latest [topic]: the newest headlines for the chat's topics or one named topic."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.language import chat_language
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests.latest import UnknownTopic, latest_headlines
from digests.render import headline_views
from digests.timeutil import utcnow


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with up to 10 linked headlines, newest first, or say why there are none."""
    svc = services(context)
    ref = chat_ref(update)
    topic_name = " ".join(context.args or []) or None
    lang = await chat_language(update, context)
    try:
        result = await latest_headlines(svc.db, ref.id, topic_name)
    except UnknownTopic as exc:
        await reply(
            update,
            context,
            svc.renderer.render("unknown_topic", lang=lang, name=exc.name, known=exc.known),
        )
        return
    html = svc.renderer.render(
        "latest",
        lang=lang,
        items=headline_views(result.headlines, utcnow(), lang),
        follows_nothing=result.follows_nothing,
        topic=result.topic,
    )
    await reply(update, context, html)
