"""Every handler, registered in one ordered list."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.handlers import fallback, latest, start, stop, topics
from bot.handlers.errors import on_error

# Commands reach us as messages in private chats and groups, and as posts in channels.
_CHATS = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST

COMMANDS = [
    BotCommand("latest", "Newest headlines on your topics"),
    BotCommand("topics", "Pick the topics you follow"),
    BotCommand("help", "What I can do"),
    BotCommand("stop", "Unfollow everything"),
    BotCommand("start", "Start over"),
]


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """The handlers, in the order they are tried."""
    return [
        CommandHandler("start", start.start, filters=_CHATS),
        CommandHandler("help", start.help_command, filters=_CHATS),
        CommandHandler("topics", topics.show_topics, filters=_CHATS),
        CommandHandler("latest", latest.latest, filters=_CHATS),
        CommandHandler("stop", stop.stop, filters=_CHATS),
        CallbackQueryHandler(topics.on_topic_button, pattern=r"^tpg?:"),
        CallbackQueryHandler(stop.on_stop_button, pattern=r"^stop:"),
        MessageHandler(_CHATS & (filters.COMMAND | filters.TEXT), fallback.hint),
    ]


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Attach every handler and the error handler."""
    application.add_handlers(handlers())
    application.add_error_handler(on_error)
