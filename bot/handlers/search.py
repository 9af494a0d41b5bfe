"""/search WORDS: the stored articles that match, ten a page, with ◀ ▶ buttons that turn the
page by editing the answer in place.

A page button carries the page and the query itself (``sq:2:iran -football``) when both fit in
Telegram's 64 bytes of callback data, so paging needs no state and works after a restart or on
another process. A longer query waits in ``chat_data`` under a short random token
(``sk:2:<token>``), at most :data:`MAX_KEPT` a chat; such buttons expire with the process.
Callback data can be forged: the query in it is parsed like typed text and the page is
range-checked, so forged data can only ask for a search anyone could type.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, read_buttons
from bot.chat import ChatContext, chat_handler
from digests.errors import NewsbotError
from digests.i18n import DEFAULT_LANGUAGE, N_
from digests.search import PAGE_SIZE, EmptyQuery, SearchPage, parse_search, results_view, search
from digests.timeutil import utcnow
from digests.types import ChatKind

CALLBACK_PATTERN = callbacks.pattern(callbacks.SEARCH_PAGE, callbacks.SEARCH_KEPT_PAGE)
MAX_KEPT = 20
_KEPT = "search.kept"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8}")
_EXPIRED = N_("This button has expired: send /search again.")


@dataclass(frozen=True, slots=True)
class TurnPage:
    """Show page ``page`` (from 0) of the search for ``query`` (as typed) or, when the query
    was too long for the button, of the one kept under ``token``."""

    page: int
    query: str = ""
    token: str = ""


def encode(action: TurnPage) -> str | None:
    """Callback data for ``action``, or None when it does not fit in 64 bytes."""
    if action.token:
        return f"{callbacks.SEARCH_KEPT_PAGE}:{action.page}:{action.token}"
    data = f"{callbacks.SEARCH_PAGE}:{action.page}:{action.query}"
    return data if len(data.encode()) <= callbacks.MAX_BYTES else None


def decode(data: str | None) -> TurnPage | None:
    """The action in callback ``data``, or None when it is not one this module made."""
    if not data or len(data.encode()) > callbacks.MAX_BYTES:
        return None
    match data.split(":", 2):
        case [callbacks.SEARCH_PAGE, number, query] if query.strip():
            page = callbacks.small_int(number)
            return None if page is None else TurnPage(page, query=query)
        case [callbacks.SEARCH_KEPT_PAGE, number, token] if _TOKEN.fullmatch(token):
            page = callbacks.small_int(number)
            return None if page is None else TurnPage(page, token=token)
    return None


def _kept(chat: ChatContext) -> dict[str, str]:
    chat_data: dict[Any, Any] | None = chat.context.chat_data
    assert chat_data is not None
    found = chat_data.setdefault(_KEPT, {})
    assert isinstance(found, dict)
    return found


def _keep(chat: ChatContext, found: SearchPage) -> str:
    """A token for the query when its page buttons cannot carry it, kept in the chat's data;
    "" when they can."""
    text = found.query.text
    if found.pages <= 1 or encode(TurnPage(found.pages, query=text)) is not None:
        return ""
    kept = _kept(chat)
    for token, known in kept.items():
        if known == text:
            return token
    while len(kept) >= MAX_KEPT:
        del kept[next(iter(kept))]  # the oldest: dicts keep insertion order
    token = secrets.token_urlsafe(6)
    kept[token] = text
    return token


def keyboard(
    found: SearchPage,
    token: str = "",
    lang: str = DEFAULT_LANGUAGE,
    kind: ChatKind = ChatKind.PRIVATE,
) -> InlineKeyboardMarkup | None:
    """Every button under a page of results: "Read N" for the items whose full text is
    stored, then the page buttons; None when there are none.

    The page buttons carry the query, or ``token`` when it is too long for them (see
    :func:`_keep`). An answer is sent and edited with this keyboard alone.
    """

    def turn(page: int) -> str:
        inline = encode(TurnPage(page, query=found.query.text))
        return inline or encode(TurnPage(page, token=token)) or ""

    first = found.page * PAGE_SIZE + 1
    read = read_buttons.numbered(found.headlines, lang, start=first)
    rows = read_buttons.rows(read_buttons.in_chat(kind, read))
    paging: list[InlineKeyboardButton] = []
    if found.page > 0:
        paging.append(InlineKeyboardButton("◀", callback_data=turn(found.page - 1)))
    if found.page + 1 < found.pages:
        paging.append(InlineKeyboardButton("▶", callback_data=turn(found.page + 1)))
    if paging:
        rows.append(paging)
    return InlineKeyboardMarkup(rows) if rows else None


def _render(chat: ChatContext, found: SearchPage) -> str:
    return chat.render("search_results", **results_view(found, utcnow(), chat.lang))


@chat_handler
async def search_command(chat: ChatContext) -> None:
    """Answer with the first page of stories that match, or say how to search."""
    now = utcnow()
    try:
        query = parse_search(" ".join(chat.args), now)
    except EmptyQuery:
        await chat.say("search_usage", message=None)
        return
    except NewsbotError as exc:
        await chat.say("search_usage", message=chat.explain(exc))
        return
    found = await search(chat.services.db, query, now, chat_id=chat.id)
    await chat.reply(
        _render(chat, found), keyboard(found, _keep(chat, found), chat.lang, chat.ref.kind)
    )


@chat_handler
async def on_search_button(chat: ChatContext) -> None:
    """Turn a page of search results: edit the same message to show it."""
    action = decode(chat.query.data)
    text = None
    if action is not None:
        text = action.query or _kept(chat).get(action.token)
    if action is None or text is None:
        await chat.toast(chat._(_EXPIRED))
        return
    now = utcnow()
    try:
        query = parse_search(text, now)
    except NewsbotError:
        await chat.toast(chat._(_EXPIRED))
        return
    found = await search(chat.services.db, query, now, page=action.page, chat_id=chat.id)
    await chat.toast()
    await chat.edit(
        _render(chat, found), keyboard(found, _keep(chat, found), chat.lang, chat.ref.kind)
    )
