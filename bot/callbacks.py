"""Every callback-data prefix the bot's buttons use, in one table, so no two can collide.

Telegram sends a button's ``callback_data`` (1-64 bytes, Bot API ``InlineKeyboardButton``) back
with each press, and python-telegram-bot routes the press by matching a pattern against it: two
modules using one prefix would take each other's presses. Every prefix is declared here and the
handlers register with :func:`pattern`; ``tests/bot/test_callbacks.py`` checks that no prefix
shadows another and that everything the encoders produce fits in :data:`MAX_BYTES`. Each owner
module keeps the codec for its own data, which parses and range-checks what comes back, since
callback data can be forged.
"""

from __future__ import annotations

import re

MAX_BYTES = 64
MAX_ID = 2**31 - 1

TOPIC_TOGGLE = "tp"
TOPICS_PAGE = "tpg"
STOP = "stop"
SETTINGS = "set"
UI_LANGUAGE = "lang"
NEWS_LANGUAGES = "langs"
FOLLOW_ANSWER = "pf"
REMOVE_TOPIC = "pu"
ALERT_TOGGLE = "pa"
ADMIN_SOURCES = "as"
ADMIN_TOPICS = "at"
BROADCAST_AUDIENCE = "bca"
BROADCAST_TOPIC = "bct"
BROADCAST_CONFIRM = "bcc"
BROADCAST_STOP = "bcs"
MUTE_SOURCE = "ms"
READ = "rd"
SEARCH_PAGE = "sq"
SEARCH_KEPT_PAGE = "sk"
USER_FEEDS = "uf"

OWNERS: dict[str, str] = {
    TOPIC_TOGGLE: "bot.keyboards",
    TOPICS_PAGE: "bot.keyboards",
    STOP: "bot.keyboards",
    SETTINGS: "bot.settings_keyboards",
    UI_LANGUAGE: "bot.handlers.language",
    NEWS_LANGUAGES: "bot.handlers.language",
    FOLLOW_ANSWER: "bot.handlers.follow",
    REMOVE_TOPIC: "bot.handlers.follow",
    ALERT_TOGGLE: "bot.handlers.follow",
    ADMIN_SOURCES: "bot.handlers.admin_sources",
    ADMIN_TOPICS: "bot.handlers.admin_topics",
    BROADCAST_AUDIENCE: "bot.handlers.broadcast",
    BROADCAST_TOPIC: "bot.handlers.broadcast",
    BROADCAST_CONFIRM: "bot.handlers.broadcast",
    BROADCAST_STOP: "bot.handlers.broadcast",
    MUTE_SOURCE: "bot.mute_keyboards",
    READ: "bot.read_buttons",
    SEARCH_PAGE: "bot.handlers.search",
    SEARCH_KEPT_PAGE: "bot.handlers.search",
    USER_FEEDS: "bot.handlers.user_feeds",
}
"""Each prefix and the module whose codec writes and reads the data under it."""


def small_int(text: str) -> int | None:
    """``text`` as an id or page number (0 to :data:`MAX_ID`), or None for anything else.

    Callback data can be forged: digits only, ASCII only, never past a 32-bit database id.
    """
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def pattern(*prefixes: str, rest: str = "") -> str:
    """The ``CallbackQueryHandler`` pattern for data under any of ``prefixes``.

    ``rest`` is a regular expression for what follows the ``:`` (nothing: anything).
    """
    unknown = [p for p in prefixes if p not in OWNERS]
    if unknown or not prefixes:
        raise ValueError(f"callback prefixes not in the registry: {unknown}")
    return "^(?:" + "|".join(re.escape(p) for p in prefixes) + "):" + rest
