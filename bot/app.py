"""The one place the python-telegram-bot Application is built and run."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from telegram import BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationBuilder, Defaults
from telegram.request import BaseRequest

from bot import fairness, handlers
from bot.request import AiohttpRequest
from bot.services import Services, install
from bot.types import App
from digests import logcontext
from digests.i18n import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

Hook = Callable[[App], Awaitable[None]]


class NewsApplication(App):
    """The Application, with each update's ids in the log context and its handling timed."""

    on_handled: Callable[[float], None] | None = None

    async def process_update(self, update: object) -> None:
        tokens = []
        if isinstance(update, Update):
            tokens.append((logcontext.update_id, logcontext.update_id.set(update.update_id)))
            if update.effective_chat is not None:
                chat = update.effective_chat.id
                tokens.append((logcontext.chat_id, logcontext.chat_id.set(chat)))
        started = time.monotonic()
        try:
            await super().process_update(update)
        finally:
            if self.on_handled is not None:
                self.on_handled(time.monotonic() - started)
            for var, token in reversed(tokens):
                var.reset(token)


def build_application(
    services: Services,
    *,
    on_start: Hook | None = None,
    on_stop: Hook | None = None,
    transport: Callable[[], BaseRequest] | None = None,
) -> App:
    """Build the bot against ``BOT_API_URL`` with every handler registered.

    ``on_start`` runs once the bot is initialised (background jobs start there); ``on_stop``
    runs when it stops, before its HTTP client is closed. ``transport`` makes the Bot API
    clients (default: aiohttp to ``BOT_API_URL``); ``newsbot console`` answers in process.
    """
    settings = services.settings

    async def post_init(application: App) -> None:
        await _show_commands(application, settings.admin_ids)
        me = application.bot
        log.info("bot @%s is up, talking to %s", me.username, settings.bot_api_url)
        if on_start is not None:
            await on_start(application)

    async def post_stop(application: App) -> None:
        # Runs while the bot can still send, so the sender stops cleanly mid-queue.
        if on_stop is not None:
            await on_stop(application)

    application = (
        ApplicationBuilder()
        .application_class(NewsApplication)
        .token(settings.token)
        .base_url(f"{settings.bot_api_url}/bot")
        .base_file_url(f"{settings.bot_api_url}/file/bot")
        .request(transport() if transport else AiohttpRequest())
        .get_updates_request(transport() if transport else AiohttpRequest(connections=1))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .concurrent_updates(fairness.processor(services))
        .post_init(post_init)
        .post_stop(post_stop)
        .build()
    )
    install(application.bot_data, services)
    handlers.register(application)
    return application


async def _show_commands(application: App, admin_ids: frozenset[int]) -> None:
    """The command menu in every language the bot speaks (Telegram picks it by the user's
    app language; English is the default), and the admin commands in admins' own chats."""
    bot = application.bot
    for lang in LANGUAGES:
        code = None if lang == DEFAULT_LANGUAGE else lang
        await bot.set_my_commands(handlers.command_menu(lang), language_code=code)
    for admin_id in sorted(admin_ids):
        try:
            for lang in LANGUAGES:
                code = None if lang == DEFAULT_LANGUAGE else lang
                await bot.set_my_commands(
                    handlers.command_menu(lang, admin=True),
                    scope=BotCommandScopeChat(admin_id),
                    language_code=code,
                )
        except TelegramError as exc:
            # Telegram knows a private chat only once the admin has opened it.
            log.warning("admin %s: command menu not set (%s)", admin_id, exc)


def drop_empty_chat_state(application: App) -> int:
    """Forget the per-chat and per-user dicts python-telegram-bot holds that are empty.

    The library makes one for every chat whose update a handler asks for ``chat_data``
    (/settings looks at every plain-text message for an open prompt) and keeps it for the
    life of the process: about 250 bytes a chat, ~25 MB at 100k chats. The runner calls
    this every few minutes; returns how many were dropped.
    """
    chats = [chat_id for chat_id, data in application.chat_data.items() if not data]
    users = [user_id for user_id, data in application.user_data.items() if not data]
    for chat_id in chats:
        application.drop_chat_data(chat_id)
    for user_id in users:
        application.drop_user_data(user_id)
    return len(chats) + len(users)


def run_polling(application: App) -> None:
    """Serve until interrupted (SIGINT/SIGTERM), by long polling."""
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
