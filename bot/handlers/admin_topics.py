"""/addtopic, /edittopic and /deltopic (bot admins): curated topics from the chat.

The syntax, also shown by /addtopic without arguments::

    /addtopic NAME: keyword, phrase, ... | exclude, ...
    /edittopic NAME: keyword, ... | exclude, ...
    /deltopic NAME

The rules are the CLI's (``digests.topics``), so the chat and ``newsbot topics`` agree.
Deleting asks first; the confirmation button carries the topic id, and the admin check runs
again when it is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.admin import admin_only
from bot.chat import ChatContext
from bot.handlers.admin_common import fingerprint
from bot.types import Handler
from digests import topics
from digests.echo import shorten
from digests.errors import Duplicate, InvalidInput, NotFound
from digests.i18n import N_, translator
from digests.timeutil import utcnow
from digests.types import TopicInfo

CALLBACK_PATTERN = callbacks.pattern(callbacks.ADMIN_TOPICS)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """What /addtopic or /edittopic asked for; None means "leave as it is"."""

    name: str
    keywords: str | None
    exclude: str | None


def parse_topic_spec(text: str) -> TopicSpec:
    """Read ``NAME: kw1, kw2 | ex1, ex2``; InvalidInput when the colon or the name is missing.

    Without ``|`` the excludes are None (kept on edit, none on add); with ``|`` and nothing
    after it they are "" (cleared). Empty keywords are None (kept on edit).
    """
    name, colon, rest = text.partition(":")
    if not colon or not name.strip():
        raise InvalidInput(N_("Expected NAME: keyword, keyword | exclude, … (see /addtopic)"))
    keywords, bar, exclude = rest.partition("|")
    return TopicSpec(
        name=" ".join(name.split()),
        keywords=keywords.strip() or None,
        exclude=exclude.strip() if bar else None,
    )


def _argument_text(chat: ChatContext) -> str:
    """What follows the command word in the message ("" when nothing does)."""
    message = chat.update.effective_message
    text = (message.text if message is not None else None) or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _saved(chat: ChatContext, info: TopicInfo, matched: int, added: bool) -> None:
    await chat.say(
        "admin_topic_saved",
        added=added,
        name=info.name,
        keywords=translator(chat.lang).join(info.keywords),
        exclude=translator(chat.lang).join(info.exclude),
        matched=matched,
    )


@admin_only
async def add_topic(chat: ChatContext) -> None:
    """Create a curated topic; every chat's picker shows it at once."""
    text = _argument_text(chat)
    if not text:
        await chat.say("admin_topic_usage")
        return
    try:
        spec = parse_topic_spec(text)
        info, matched = await topics.add_topic(
            chat.services.db, spec.name, spec.keywords or "", spec.exclude or "", now=utcnow()
        )
    except (InvalidInput, Duplicate) as exc:
        await chat.say("admin_topic_failed", reason=chat.explain(exc))
        return
    await _saved(chat, info, matched, added=True)


@admin_only
async def edit_topic(chat: ChatContext) -> None:
    """Replace a topic's keywords and/or excludes; recent articles are matched again."""
    text = _argument_text(chat)
    if not text:
        await chat.say("admin_topic_usage")
        return
    try:
        spec = parse_topic_spec(text)
        if spec.keywords is None and spec.exclude is None:
            raise InvalidInput(N_("Nothing to change: give keywords, or | and excludes."))
        info, matched = await topics.edit_topic(
            chat.services.db,
            spec.name,
            keywords=spec.keywords,
            exclude=spec.exclude,
            now=utcnow(),
        )
    except (InvalidInput, NotFound) as exc:
        await chat.say("admin_topic_failed", reason=chat.explain(exc))
        return
    await _saved(chat, info, matched, added=False)


@admin_only
async def delete_topic(chat: ChatContext) -> None:
    """Ask whether to delete the named topic, saying how many chats follow it."""
    name = _argument_text(chat)
    if not name:
        await chat.say("admin_topic_usage")
        return
    wanted = " ".join(name.split()).casefold()
    listed = await topics.list_topics(chat.services.db)
    found = next((t for t in listed if t.name.casefold() == wanted), None)
    if found is None:
        reason = chat._("There is no topic named “%(name)s”.", name=shorten(name))
        await chat.say("admin_topic_failed", reason=reason)
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(chat._("Yes, delete"), callback_data=_data("del", found)),
                InlineKeyboardButton(chat._("No, keep it"), callback_data=_data("keep", found)),
            ]
        ]
    )
    await chat.say("admin_topic_delete", keyboard, name=found.name, followers=found.followers)


def _data(action: str, topic: TopicInfo) -> str:
    return f"{callbacks.ADMIN_TOPICS}:{action}:{topic.id}:{fingerprint(topic.name)}"


def _decode(data: str | None) -> tuple[str, int, str] | None:
    match (data or "").split(":"):
        case [callbacks.ADMIN_TOPICS, ("del" | "keep") as action, number, print_]:
            topic_id = callbacks.small_int(number)
            return None if topic_id is None else (action, topic_id, print_)
    return None


@admin_only
async def on_topic_admin_button(chat: ChatContext) -> None:
    """Carry out or cancel /deltopic, in place."""
    decoded = _decode(chat.query.data)
    if decoded is None:
        await chat.toast(chat._("This button has expired."))
        return
    action, topic_id, print_ = decoded
    db = chat.services.db
    found = next(
        (
            t
            for t in await topics.list_topics(db)
            if t.id == topic_id and fingerprint(t.name) == print_
        ),
        None,
    )
    await chat.toast()
    if found is None:
        await chat.edit(chat.render("admin_topic_deleted", name=""))
        return
    if action == "keep":
        await chat.edit(chat.render("admin_topic_kept", name=found.name))
        return
    try:
        removed = await topics.remove_topic(db, found.name)
    except NotFound:
        await chat.edit(chat.render("admin_topic_deleted", name=""))
        return
    await chat.edit(chat.render("admin_topic_deleted", name=removed.name))


def handlers(chats: filters.BaseFilter) -> list[Handler]:
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("addtopic", add_topic, filters=chats),
        CommandHandler("edittopic", edit_topic, filters=chats),
        CommandHandler("deltopic", delete_topic, filters=chats),
        CallbackQueryHandler(on_topic_admin_button, pattern=CALLBACK_PATTERN),
    ]
