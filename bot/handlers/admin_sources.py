"""/sources and /addsource (bot admins): source health pages with pause, resume and remove buttons.

Button data is ``as:<action>:<source id>:<page>``, parsed and range-checked by ``decode``; the
admin check runs again on every press, whatever the data says.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.admin import admin_only
from bot.chat import ChatContext
from bot.handlers.admin_common import fingerprint
from bot.types import Handler
from digests import source_admin
from digests.echo import shorten
from digests.errors import Duplicate, InvalidInput, NotFound, SourceError
from digests.ingest import make_fetcher
from digests.render import localized_age, localized_interval, source_kind
from digests.source_admin import SourceHealth, SourcePage
from digests.timeutil import utcnow
from digests.types import SourceInfo

log = logging.getLogger(__name__)

CALLBACK_PATTERN = callbacks.pattern(callbacks.ADMIN_SOURCES)
_ADD = f"{callbacks.ADMIN_SOURCES}:add"
_ERROR_SHOWN = 150
_ACTIONS = {"p": "page", "pa": "pause", "re": "resume", "rm": "remove", "ry": "remove_yes"}
_CODES = {action: code for code, action in _ACTIONS.items()}
_HEX8 = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True, slots=True)
class SourceButton:
    """A press on the source list: ``action`` on ``source_id`` (0 for none), then ``page``."""

    action: str  # page | pause | resume | remove | remove_yes | add
    source_id: int = 0
    page: int = 0
    url_print: str = ""  # ``fingerprint`` of the source's URL: ids are reused on SQLite


def encode(button: SourceButton) -> str:
    """Callback data for ``button`` (well under Telegram's 64 bytes)."""
    if button.action == "add":
        return _ADD
    if button.action == "page":
        return f"{callbacks.ADMIN_SOURCES}:p:0:{button.page}"
    fields = (_CODES[button.action], button.source_id, button.page, button.url_print)
    return ":".join(map(str, (callbacks.ADMIN_SOURCES, *fields)))


def decode(data: str | None) -> SourceButton | None:
    """The button in callback ``data``, or None when it is not one we made."""
    if not data or len(data) > 64:
        return None
    if data == _ADD:
        return SourceButton("add")
    match data.split(":"):
        case [callbacks.ADMIN_SOURCES, "p", "0", page]:
            page_no = callbacks.small_int(page)
            return None if page_no is None else SourceButton("page", 0, page_no)
        case [callbacks.ADMIN_SOURCES, code, source, page, url_print] if (
            code in _ACTIONS and code != "p"
        ):
            source_id, page_no = callbacks.small_int(source), callbacks.small_int(page)
            if source_id is None or page_no is None or not _HEX8.fullmatch(url_print):
                return None
            return SourceButton(_ACTIONS[code], source_id, page_no, url_print)
    return None


def _view(chat: ChatContext, health: SourceHealth, now: datetime) -> dict[str, Any]:
    s = health.info
    return {
        "id": s.id,
        "name": s.name,
        "kind": source_kind(s.kind, chat.lang),
        "every": localized_interval(s.fetch_interval, chat.lang),
        "paused": s.paused,
        "last_fetch": localized_age(s.last_fetch_at, now, chat.lang) if s.last_fetch_at else "",
        "articles_24h": health.articles_24h,
        "failures": s.consecutive_failures,
        "last_error": shorten(s.last_error or "", _ERROR_SHOWN),
        "user": s.origin == "user",
        "owners": s.owners,
    }


def _page_text(chat: ChatContext, page: SourcePage, now: datetime) -> str:
    return chat.render(
        "admin_sources",
        items=[_view(chat, h, now) for h in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
    )


def _page_keyboard(chat: ChatContext, page: SourcePage) -> InlineKeyboardMarkup:
    _ = chat._
    rows = []
    for health in page.items:
        s = health.info
        url_print = fingerprint(s.url)
        toggle = SourceButton("resume" if s.paused else "pause", s.id, page.page, url_print)
        rows.append(
            [
                InlineKeyboardButton(
                    _("▶ Resume #%(id)d", id=s.id) if s.paused else _("⏸ Pause #%(id)d", id=s.id),
                    callback_data=encode(toggle),
                ),
                InlineKeyboardButton(
                    _("🗑 Remove #%(id)d", id=s.id),
                    callback_data=encode(SourceButton("remove", s.id, page.page, url_print)),
                ),
            ]
        )
    if page.pages > 1:
        nav = []
        if page.page > 0:
            nav.append(
                InlineKeyboardButton(
                    _("‹ Back"), callback_data=encode(SourceButton("page", 0, page.page - 1))
                )
            )
        nav.append(
            InlineKeyboardButton(
                f"{page.page + 1}/{page.pages}",
                callback_data=encode(SourceButton("page", 0, page.page)),
            )
        )
        if page.page < page.pages - 1:
            nav.append(
                InlineKeyboardButton(
                    _("More ›"), callback_data=encode(SourceButton("page", 0, page.page + 1))
                )
            )
        rows.append(nav)
    rows.append(
        [InlineKeyboardButton(_("➕ Add a source"), callback_data=encode(SourceButton("add")))]
    )
    return InlineKeyboardMarkup(rows)


def _removal_keyboard(chat: ChatContext, source: SourceInfo, page: int) -> InlineKeyboardMarkup:
    yes = SourceButton("remove_yes", source.id, page, fingerprint(source.url))
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(chat._("Yes, remove"), callback_data=encode(yes)),
                InlineKeyboardButton(
                    chat._("No, keep it"), callback_data=encode(SourceButton("page", 0, page))
                ),
            ]
        ]
    )


@admin_only
async def show_sources(chat: ChatContext) -> None:
    """List sources with their health, a page at a time (``/sources 2`` opens page 2)."""
    wanted = callbacks.small_int(chat.args[0]) if chat.args else None
    now = utcnow()
    page = await source_admin.source_page(chat.services.db, (wanted or 1) - 1, now=now)
    await chat.reply(_page_text(chat, page, now), _page_keyboard(chat, page))


@admin_only
async def add_source(chat: ChatContext) -> None:
    """Fetch the URL once and store it as a source; say what was found, or why not, in a line."""
    if not chat.args:
        await chat.say("admin_source_usage")
        return
    url, name = chat.args[0], " ".join(chat.args[1:]) or None
    settings = chat.services.settings
    try:
        async with make_fetcher(settings) as fetcher:
            added = await source_admin.add_source(
                chat.services.db,
                fetcher,
                url=url,
                name=name,
                every=settings.default_fetch_interval,
                allow_private=settings.allow_private_sources,
                now=utcnow(),
            )
    except (SourceError, Duplicate, InvalidInput) as exc:
        reason = shorten(chat.explain(exc), _ERROR_SHOWN)
        await chat.say("admin_source_failed", url=shorten(url), reason=reason)
        return
    info = added.info
    await chat.say(
        "admin_source_added",
        id=info.id,
        name=info.name,
        kind=source_kind(info.kind, chat.lang),
        every=localized_interval(info.fetch_interval, chat.lang),
        feed_title=added.feed_title,
        items=added.item_count,
        newest=added.newest_title,
    )


@admin_only
async def on_source_button(chat: ChatContext) -> None:
    """Turn the page, pause, resume, ask to remove, or remove, editing the list in place."""
    button = decode(chat.query.data)
    if button is None:
        await chat.toast(chat._("This button has expired."))
        return
    if button.action == "add":
        await chat.toast()
        await chat.say("admin_source_usage")
        return
    toast: str | None = ""
    if button.action != "page":
        try:
            toast = await _act(chat, button)
        except NotFound:
            toast = chat._("That source was removed already.")
        if toast is None:
            return
    await chat.toast(toast or None)
    now = utcnow()
    page = await source_admin.source_page(chat.services.db, button.page, now=now)
    await chat.edit(_page_text(chat, page, now), _page_keyboard(chat, page))


async def _act(chat: ChatContext, button: SourceButton) -> str | None:
    """Do what the button says to the source; the toast to show, or None when answered.

    NotFound when the source is gone. A button whose id names another source (the id was
    reused after a removal, or the button was forged) changes nothing and says it is out of
    date: "removed already" would be false of the source that id names now.
    """
    db = chat.services.db
    current = await source_admin.get_source(db, button.source_id)
    if fingerprint(current.url) != button.url_print:
        return chat._("This button is out of date; here is the list as it is now.")
    if button.action == "remove":
        await chat.toast()
        html = chat.render(
            "admin_source_remove", id=current.id, name=current.name, articles=current.article_count
        )
        await chat.edit(html, _removal_keyboard(chat, current, button.page))
        return None
    if button.action == "remove_yes":
        removed = await source_admin.remove_source(db, current.id)
        return chat._("Removed %(name)s", name=removed.name)
    info = await source_admin.set_paused(db, current.id, button.action == "pause")
    if info.paused:
        return chat._("Paused %(name)s", name=info.name)
    return chat._("Resumed %(name)s", name=info.name)


def handlers(chats: filters.BaseFilter) -> list[Handler]:
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("sources", show_sources, filters=chats),
        CommandHandler("addsource", add_source, filters=chats),
        CallbackQueryHandler(on_source_button, pattern=CALLBACK_PATTERN),
    ]
