"""python-telegram-bot's generic classes as this bot uses them, named once.

``Application``, ``CallbackContext``, ``JobQueue`` and the handlers are generic in the bot,
context and data types; the bot uses the defaults throughout (``ContextTypes.DEFAULT_TYPE``),
so the annotations say ``App`` or ``Context`` instead of repeating six type arguments or
silencing mypy.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    ContextTypes,
    ConversationHandler,
    ExtBot,
    JobQueue,
)

Context: TypeAlias = ContextTypes.DEFAULT_TYPE
Jobs: TypeAlias = JobQueue[Context]
App: TypeAlias = Application[
    ExtBot[None], Context, dict[Any, Any], dict[Any, Any], dict[Any, Any], Jobs
]
Handler: TypeAlias = BaseHandler[Update, Context, Any]
Conversation: TypeAlias = ConversationHandler[Context]
