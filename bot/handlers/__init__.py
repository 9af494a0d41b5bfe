"""Every handler, registered in one ordered list."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.handlers import (
    admin_sources,
    admin_topics,
    broadcast,
    digest,
    fallback,
    follow,
    language,
    latest,
    membership,
    mute,
    opml,
    read,
    search,
    settings,
    start,
    stats,
    stop,
    topics,
    user_feeds,
)
from bot.handlers.errors import on_error
from bot.types import App, Handler
from digests.i18n import N_, translator

# Commands reach us as messages in private chats and groups, and as posts in channels.
_CHATS = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
_PLAIN_TEXT = filters.TEXT & ~filters.COMMAND

# (command, description): the descriptions are catalog ids, shown in each chat's language.
COMMANDS: list[tuple[str, str]] = [
    ("latest", N_("Newest headlines on your topics")),
    ("digest", N_("Preview your next digest")),
    ("topics", N_("Pick the topics you follow")),
    ("search", N_("Search the news I have read")),
    ("follow", N_("Follow your own keywords")),
    ("following", N_("Your keyword topics")),
    ("unfollow", N_("Stop following keywords")),
    ("addfeed", N_("Add a feed of your own")),
    ("myfeeds", N_("Your own feeds")),
    ("settings", N_("Digest time, zone and frequency")),
    ("language", N_("The language I speak here")),
    ("languages", N_("The languages your news is in")),
    ("help", N_("What I can do")),
    ("stop", N_("Unfollow everything")),
    ("start", N_("Start over")),
]

# Shown only in admins' own menus (see bot.app); every one of them checks ADMIN_IDS itself.
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("broadcast", N_("Admin: send breaking news")),
    ("sources", N_("Admin: sources and their health")),
    ("addsource", N_("Admin: add a feed or page")),
    ("addtopic", N_("Admin: add a topic")),
    ("edittopic", N_("Admin: change a topic")),
    ("deltopic", N_("Admin: delete a topic")),
    ("export", N_("Admin: sources as OPML")),
    ("blockhost", N_("Admin: block a host for chats' feeds")),
    ("unblockhost", N_("Admin: allow a blocked host again")),
    ("stats", N_("Admin: how the service is doing")),
]


def command_menu(lang: str, *, admin: bool = False) -> list[BotCommand]:
    """The command menu in ``lang``; with ``admin``, the admin commands too."""
    _ = translator(lang)
    listed = [*COMMANDS, *ADMIN_COMMANDS] if admin else COMMANDS
    return [BotCommand(name, _(description)) for name, description in listed]


def handlers() -> list[Handler]:
    """The handlers, in the order they are tried."""
    return [
        # First: while an admin is in the /broadcast flow, its /cancel and text are its own.
        broadcast.conversation(),
        CallbackQueryHandler(broadcast.on_stop_button, pattern=broadcast.STOP_PATTERN),
        CallbackQueryHandler(broadcast.on_stray_button, pattern=broadcast.STRAY_PATTERN),
        CommandHandler("start", start.start, filters=_CHATS),
        CommandHandler("help", start.help_command, filters=_CHATS),
        CommandHandler("topics", topics.show_topics, filters=_CHATS),
        CommandHandler("latest", latest.latest, filters=_CHATS),
        CommandHandler("digest", digest.digest, filters=_CHATS),
        CommandHandler("stop", stop.stop, filters=_CHATS),
        CommandHandler("settings", settings.show_settings, filters=_CHATS),
        CommandHandler("cancel", settings.cancel, filters=_CHATS),
        CommandHandler("search", search.search_command, filters=_CHATS),
        CallbackQueryHandler(search.on_search_button, pattern=search.CALLBACK_PATTERN),
        CommandHandler("follow", follow.follow, filters=_CHATS),
        CommandHandler("following", follow.show_following, filters=_CHATS),
        CommandHandler("unfollow", follow.unfollow, filters=_CHATS),
        CommandHandler("language", language.language_command, filters=_CHATS),
        CommandHandler("languages", language.languages_command, filters=_CHATS),
        CallbackQueryHandler(
            language.on_language_button, pattern=callbacks.pattern(callbacks.UI_LANGUAGE)
        ),
        CallbackQueryHandler(
            language.on_news_language_button, pattern=callbacks.pattern(callbacks.NEWS_LANGUAGES)
        ),
        CallbackQueryHandler(
            topics.on_topic_button,
            pattern=callbacks.pattern(callbacks.TOPIC_TOGGLE, callbacks.TOPICS_PAGE),
        ),
        CallbackQueryHandler(stop.on_stop_button, pattern=callbacks.pattern(callbacks.STOP)),
        CallbackQueryHandler(read.on_read_button, pattern=callbacks.pattern(callbacks.READ)),
        ChatMemberHandler(membership.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(
            settings.on_settings_button, pattern=callbacks.pattern(callbacks.SETTINGS)
        ),
        CallbackQueryHandler(follow.on_follow_button, pattern=follow.CALLBACK_PATTERN),
        *user_feeds.handlers(_CHATS),
        CallbackQueryHandler(mute.on_mute_button, pattern=mute.CALLBACK_PATTERN),
        *admin_sources.handlers(_CHATS),
        *admin_topics.handlers(_CHATS),
        *opml.handlers(_CHATS),
        *stats.handlers(_CHATS),
        MessageHandler(_CHATS & (filters.COMMAND | filters.TEXT), fallback.hint),
    ]


def register(application: App) -> None:
    """Attach every handler and the error handler."""
    application.add_handlers(handlers())
    # Tried before every handler above; it stops the update only when it answers a prompt.
    application.add_handler(
        MessageHandler(_CHATS & (_PLAIN_TEXT | filters.LOCATION), settings.on_answer), group=-1
    )
    application.add_error_handler(on_error)
    broadcast.install(application)
