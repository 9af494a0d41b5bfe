"""The Read button: send a stored article's full text into the chat, once a minute at most."""

from __future__ import annotations

import time
from typing import Any

from bot import read_buttons
from bot.chat import ChatContext, chat_handler
from digests.reading import read_article
from digests.types import ChatKind

# A second press of the same button within this many seconds sends nothing again.
REPEAT_WINDOW = 60.0
_SENT = "newsbot.read.sent"


@chat_handler
async def on_read_button(chat: ChatContext) -> None:
    """Answer the press, then send the article's messages through the paced reply path."""
    article_id = read_buttons.decode(chat.query.data)
    if article_id is None:
        await chat.toast()
        return
    if chat.ref.kind is ChatKind.CHANNEL:
        await chat.toast(chat._("Read works in private chats and groups."))
        return
    sent = _recently_sent(chat.context.chat_data)
    if article_id in sent:
        await chat.toast(chat._("I have just sent this article: it is above."))
        return
    svc = chat.services
    messages = await read_article(svc.db, svc.renderer, chat.id, article_id, lang=chat.lang)
    if not messages:
        await chat.toast(chat._("I have no text of this article to show here; its link opens it."))
        return
    sent[article_id] = time.monotonic()
    await chat.toast()
    for html in messages:
        await chat.reply(html)


def _recently_sent(chat_data: dict[Any, Any] | None) -> dict[int, float]:
    """The articles sent to this chat within the window, older entries forgotten.

    Kept in python-telegram-bot's per-chat dict: a press is handled by the process that polls,
    and a restart forgetting a minute of presses costs at most one repeated article.
    """
    if chat_data is None:
        return {}
    sent: dict[int, float] = chat_data.setdefault(_SENT, {})
    now = time.monotonic()
    for article_id in [a for a, at in sent.items() if now - at >= REPEAT_WINDOW]:
        del sent[article_id]
    return sent
