"""/addfeed and /myfeeds: a chat's own feeds; /blockhost and /unblockhost for bot admins.

In groups only the group's admins add and remove feeds (``can_manage_chat``, asked of
Telegram on every change). /myfeeds' buttons carry ``uf:rm:<source id>``; the removal checks
that the pressing chat added that feed, so a forged id removes nothing of anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.admin import admin_only
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from bot.types import Handler
from digests import user_feeds
from digests.echo import shorten
from digests.errors import Duplicate, InvalidInput, NewsbotError, NotFound, SourceError
from digests.ingest import make_fetcher
from digests.render import localized_interval
from digests.timeutil import utcnow
from digests.types import OwnedFeed

CALLBACK_PATTERN = callbacks.pattern(callbacks.USER_FEEDS)
_REASON_SHOWN = 200
_NAME_SHOWN = 40
_ERROR_SHOWN = 100


@dataclass(frozen=True, slots=True)
class RemoveFeed:
    """Remove the pressing chat's feed ``source_id``."""

    source_id: int


def encode(action: RemoveFeed) -> str:
    """Callback data for ``action``: at most 16 bytes."""
    return f"{callbacks.USER_FEEDS}:rm:{action.source_id}"


def decode(data: str | None) -> RemoveFeed | None:
    """The action in callback ``data``, or None when it is not one this module made."""
    if not data or len(data) > callbacks.MAX_BYTES:
        return None
    match data.split(":"):
        case [callbacks.USER_FEEDS, "rm", number]:
            source_id = callbacks.small_int(number)
            return RemoveFeed(source_id) if source_id else None
    return None


def _keyboard(feeds: list[OwnedFeed]) -> InlineKeyboardMarkup | None:
    if not feeds:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✖ {number}. {shorten(feed.name, _NAME_SHOWN)}",
                    callback_data=encode(RemoveFeed(feed.source_id)),
                )
            ]
            for number, feed in enumerate(feeds, start=1)
        ]
    )


def _views(feeds: list[OwnedFeed]) -> list[dict[str, object]]:
    return [
        {
            "name": f.name,
            "host": user_feeds.host_of(f.url),
            "paused": f.paused,
            "error": shorten(f.last_error or "", _ERROR_SHOWN),
        }
        for f in feeds
    ]


@chat_handler
async def add_feed(chat: ChatContext) -> None:
    """Subscribe the chat to a feed URL after fetching it once; say what it holds, or why not."""
    if not await can_manage_chat(chat.update, chat.context):
        await chat.say("group_admins_only")
        return
    if not chat.args:
        await chat.say("feed_usage")
        return
    text = " ".join(chat.args)
    svc = chat.services
    try:
        async with make_fetcher(svc.settings) as fetcher:
            added = await user_feeds.add_feed(
                svc.db, fetcher, chat.ref, text, svc.settings, now=utcnow()
            )
    except (SourceError, InvalidInput, Duplicate) as exc:
        reason = shorten(chat.explain(exc), _REASON_SHOWN)
        await chat.say("feed_refused", url=shorten(text), reason=reason)
        return
    await chat.say(
        "feed_added",
        name=added.name,
        items=added.items,
        newest=added.newest,
        every=localized_interval(user_feeds.feed_interval(svc.settings), chat.lang),
    )


@chat_handler
async def show_feeds(chat: ChatContext) -> None:
    """List the chat's feeds, numbered, with a remove button for each."""
    feeds = await user_feeds.my_feeds(chat.services.db, chat.id)
    await chat.say("my_feeds", _keyboard(feeds), feeds=_views(feeds))


@chat_handler
async def on_feed_button(chat: ChatContext) -> None:
    """Remove a feed from the /myfeeds list, editing the list in place."""
    action = decode(chat.query.data)
    if action is None:
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    db = chat.services.db
    try:
        name = await user_feeds.remove_feed(db, chat.id, action.source_id)
    except NotFound as exc:
        await chat.toast(chat.explain(exc))
        return
    await chat.toast(chat._("Removed %(name)s", name=name))
    feeds = await user_feeds.my_feeds(db, chat.id)
    await chat.edit(chat.render("my_feeds", feeds=_views(feeds), removed=name), _keyboard(feeds))


@admin_only
async def block_host(chat: ChatContext) -> None:
    """Block a host for chats' feeds (pausing theirs there); alone, list the blocked hosts."""
    db = chat.services.db
    if not chat.args:
        await chat.say("admin_blocked_hosts", hosts=await user_feeds.blocked_hosts(db))
        return
    user = chat.update.effective_user
    try:
        done = await user_feeds.block_host(
            db, " ".join(chat.args), by=user.id if user else None, now=utcnow()
        )
    except NewsbotError as exc:
        await chat.say("admin_host_failed", reason=chat.explain(exc))
        return
    await chat.say(
        "admin_host_blocked", blocked=True, host=done.host, changed=done.changed, feeds=done.feeds
    )


@admin_only
async def unblock_host(chat: ChatContext) -> None:
    """Allow a blocked host again and resume the chats' feeds there."""
    db = chat.services.db
    if not chat.args:
        await chat.say("admin_blocked_hosts", hosts=await user_feeds.blocked_hosts(db))
        return
    try:
        done = await user_feeds.unblock_host(db, " ".join(chat.args))
    except NewsbotError as exc:
        await chat.say("admin_host_failed", reason=chat.explain(exc))
        return
    await chat.say(
        "admin_host_blocked", blocked=False, host=done.host, changed=True, feeds=done.feeds
    )


def handlers(chats: filters.BaseFilter) -> list[Handler]:
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("addfeed", add_feed, filters=chats),
        CommandHandler("myfeeds", show_feeds, filters=chats),
        CallbackQueryHandler(on_feed_button, pattern=CALLBACK_PATTERN),
        CommandHandler("blockhost", block_host, filters=chats),
        CommandHandler("unblockhost", unblock_host, filters=chats),
    ]
