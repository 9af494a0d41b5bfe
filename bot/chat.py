"""The chat an update came from, opened once per update: registered, its language read, and
every text the bot says there (replies, edits, toasts, apologies) rendered in that language.

Handlers take a :class:`ChatContext` (``@chat_handler`` builds it before the handler runs;
a handler that must decide cheaply whether an update is for it calls :func:`open_chat`
itself), so no handler chooses a language and none can forget to. This follows
python-telegram-bot's ``contexttypesbot.py``: what every handler needs is built in one place.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.replies import Markup, reply
from bot.services import Services, chat_ref, services
from digests import chat_languages, subscriptions
from digests.errors import NewsbotError
from digests.i18n import DEFAULT_LANGUAGE, supported_language, translator
from digests.timeutil import utcnow
from digests.types import ChatRef

log = logging.getLogger(__name__)

R = TypeVar("R")
# Telegram shows at most 200 characters of a callback answer.
TOAST_CHARS = 200


@dataclass(frozen=True, slots=True)
class ChatContext:
    """One update's chat: who it is, the language the bot speaks there, and how to answer."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    ref: ChatRef
    lang: str

    @property
    def id(self) -> int:
        """The chat id."""
        return self.ref.id

    @property
    def services(self) -> Services:
        """The running bot's database, settings and renderer."""
        return services(self.context)

    @property
    def query(self) -> CallbackQuery:
        """The pressed button's callback query (only for button handlers)."""
        query = self.update.callback_query
        assert query is not None
        return query

    @property
    def thread_id(self) -> int | None:
        """The forum thread the update came from; None in General and outside forums.

        Only a forum topic's messages count: a reply in a plain supergroup also carries a
        ``message_thread_id``, of its reply thread, where nothing can be posted
        (tdlib/telegram-bot-api #447).
        """
        chat = self.update.effective_chat
        message = self.update.effective_message
        if chat is None or not chat.is_forum or message is None:
            return None
        if not getattr(message, "is_topic_message", False):
            return None
        return getattr(message, "message_thread_id", None)

    @property
    def args(self) -> list[str]:
        """The command's arguments, split on white space."""
        return list(self.context.args or [])

    def _(self, message: str, /, **values: Any) -> str:
        """``message`` (a catalog id) in the chat's language, with ``values`` filled in."""
        return translator(self.lang)(message, **values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        """The form for ``n`` of a message with a plural, in the chat's language."""
        return translator(self.lang).ngettext(singular, plural, n, **values)

    def render(self, template: str, /, **values: Any) -> str:
        """The named template rendered in the chat's language."""
        return self.services.renderer.render(template, lang=self.lang, **values)

    def explain(self, error: NewsbotError) -> str:
        """What went wrong, in the chat's language when the catalog has the message.

        An English chat gets the error's own line, which may say more than its catalog
        message (a server's "HTTP 404 Not Found" reason phrase is English).
        """
        if error.message and self.lang != DEFAULT_LANGUAGE:
            values = {
                name: self.explain(value) if isinstance(value, NewsbotError) else value
                for name, value in error.values.items()
            }
            return self._(error.message, **values)
        return str(error) or type(error).__name__

    async def reply(self, html: str, markup: Markup = None) -> Message:
        """Send ``html`` to the chat (same forum thread), paced like every reply."""
        return await reply(self.update, self.context, html, markup)

    async def say(self, template: str, /, markup: Markup = None, **values: Any) -> Message:
        """Reply with the named template, rendered in the chat's language."""
        return await self.reply(self.render(template, **values), markup)

    async def toast(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button, with ``text`` (already in the chat's language) if any."""
        await self.query.answer(text[:TOAST_CHARS] if text else None, show_alert=alert)

    async def edit(self, html: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Replace the text (and buttons) of the message whose button was pressed."""
        try:
            await self.query.edit_message_text(html, reply_markup=markup)
        except BadRequest as exc:
            # A double tap leaves nothing to change; Telegram reports that as an error.
            if "not modified" not in exc.message.lower():
                raise


async def open_chat(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, register: bool = True
) -> ChatContext:
    """Register the update's chat (or refresh it) and read its language, in one transaction.

    ``register=False`` only reads the language (the sender's for a chat the bot does not
    know): admin commands leave no chat behind, so an admin's own chat is not an audience.
    """
    svc = services(context)
    ref = chat_ref(update)
    if register:
        lang = await subscriptions.open_chat(svc.db, ref, svc.settings, now=utcnow())
    else:
        stored = await chat_languages.chat_language(svc.db, ref.id)
        lang = stored or fallback_language(update)
    return ChatContext(update, context, ref, lang)


def fallback_language(update: object) -> str:
    """The language of the user behind ``update``, for when the chat cannot be read."""
    user = update.effective_user if isinstance(update, Update) else None
    return supported_language(user.language_code if user else None)


ChatHandler = Callable[[ChatContext], Coroutine[Any, Any, R]]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, R]]


def chat_handler(handler: ChatHandler[R]) -> Handler[R]:
    """Make ``handler(chat)`` a python-telegram-bot callback that opens the chat first."""

    @functools.wraps(handler)
    async def opened(update: Update, context: ContextTypes.DEFAULT_TYPE) -> R:
        return await handler(await open_chat(update, context))

    return opened
