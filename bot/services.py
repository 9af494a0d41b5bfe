"""What handlers share: the database, settings and renderer, kept in ``bot_data``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from digests.db import Database
from digests.delivery import Delivery
from digests.render import Renderer
from digests.roles import Roles
from digests.settings import Settings
from digests.types import ChatKind, ChatRef

_KEY = "newsbot.services"


@dataclass
class Services:
    """The domain objects one running bot uses."""

    settings: Settings
    db: Database
    renderer: Renderer
    # The outbox sender; replies take their slot from its pacer. None: replies go unpaced.
    delivery: Delivery | None = None
    # The single roles (sender, poller) this process competes for and whether it holds them.
    roles: Roles | None = None

    def notify_sender(self) -> None:
        """Wake the sender after queuing messages (it also polls about once a second)."""
        if self.delivery is not None:
            self.delivery.notify()


def install(bot_data: dict[Any, Any], services: Services) -> None:
    """Make ``services`` reachable from every handler."""
    bot_data[_KEY] = services


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The services installed at start."""
    found = context.bot_data[_KEY]
    assert isinstance(found, Services)
    return found


def chat_ref(update: Update) -> ChatRef:
    """The update's chat as a domain value."""
    chat = update.effective_chat
    assert chat is not None
    user = update.effective_user
    title = chat.title or chat.full_name or chat.username or ""
    language = (user.language_code or "en") if user else "en"
    return ChatRef(id=chat.id, kind=ChatKind(chat.type), title=title, language=language[:16])
