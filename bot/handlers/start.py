"""/start and /help: register the chat, greet, and show the topic picker."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot import keyboards
from bot.handlers.language import chat_language
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import subscriptions
from digests.timeutil import utcnow
from digests.types import ChatKind


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Register the chat, greet in one paragraph and show the topic picker."""
    svc = services(context)
    ref = chat_ref(update)
    await subscriptions.register_chat(svc.db, ref, svc.settings, now=utcnow())
    choices = await subscriptions.topic_choices(svc.db, ref.id)
    user = update.effective_user
    name = user.first_name if user and ref.kind is ChatKind.PRIVATE else ref.title
    lang = await chat_language(update, context)
    html = svc.renderer.render("start", lang=lang, title=name, topics=bool(choices))
    await reply(update, context, html, keyboards.topic_picker(choices, lang=lang))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the commands."""
    svc = services(context)
    chat = update.effective_chat
    group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    lang = await chat_language(update, context)
    await reply(update, context, svc.renderer.render("help", lang=lang, group=group))
