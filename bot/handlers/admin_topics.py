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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.handlers.admin_common import allowed, fingerprint
from bot.handlers.replies import reply
from bot.services import services
from digests import topics
from digests.errors import Duplicate, InvalidInput, NotFound
from digests.timeutil import utcnow
from digests.types import TopicInfo

CALLBACK_PATTERN = r"^at:"
_MAX_ID = 2**31 - 1


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
        raise InvalidInput("expected NAME: keyword, keyword | exclude, … (see /addtopic)")
    keywords, bar, exclude = rest.partition("|")
    return TopicSpec(
        name=" ".join(name.split()),
        keywords=keywords.strip() or None,
        exclude=exclude.strip() if bar else None,
    )


def _argument_text(update: Update) -> str:
    """What follows the command word in the message ("" when nothing does)."""
    message = update.effective_message
    text = (message.text if message is not None else None) or ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _saved(
    update: Update, context: ContextTypes.DEFAULT_TYPE, info: TopicInfo, matched: int, added: bool
) -> None:
    html = services(context).renderer.render(
        "admin_topic_saved",
        added=added,
        name=info.name,
        keywords=", ".join(info.keywords),
        exclude=", ".join(info.exclude),
        matched=matched,
    )
    await reply(update, context, html)


async def _failed(update: Update, context: ContextTypes.DEFAULT_TYPE, reason: str) -> None:
    await reply(
        update, context, services(context).renderer.render("admin_topic_failed", reason=reason)
    )


async def add_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Create a curated topic; every chat's picker shows it at once."""
    if not await allowed(update, context):
        return
    svc = services(context)
    text = _argument_text(update)
    if not text:
        await reply(update, context, svc.renderer.render("admin_topic_usage"))
        return
    try:
        spec = parse_topic_spec(text)
        info, matched = await topics.add_topic(
            svc.db, spec.name, spec.keywords or "", spec.exclude or "", now=utcnow()
        )
    except (InvalidInput, Duplicate) as exc:
        await _failed(update, context, str(exc))
        return
    await _saved(update, context, info, matched, added=True)


async def edit_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replace a topic's keywords and/or excludes; recent articles are matched again."""
    if not await allowed(update, context):
        return
    svc = services(context)
    text = _argument_text(update)
    if not text:
        await reply(update, context, svc.renderer.render("admin_topic_usage"))
        return
    try:
        spec = parse_topic_spec(text)
        if spec.keywords is None and spec.exclude is None:
            raise InvalidInput("nothing to change: give keywords, or | and excludes")
        info, matched = await topics.edit_topic(
            svc.db, spec.name, keywords=spec.keywords, exclude=spec.exclude, now=utcnow()
        )
    except (InvalidInput, NotFound) as exc:
        await _failed(update, context, str(exc))
        return
    await _saved(update, context, info, matched, added=False)


async def delete_topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask whether to delete the named topic, saying how many chats follow it."""
    if not await allowed(update, context):
        return
    svc = services(context)
    name = _argument_text(update)
    if not name:
        await reply(update, context, svc.renderer.render("admin_topic_usage"))
        return
    wanted = " ".join(name.split()).casefold()
    found = next((t for t in await topics.list_topics(svc.db) if t.name.casefold() == wanted), None)
    if found is None:
        await _failed(update, context, f"no topic named {name!r}")
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes, delete", callback_data=_data("del", found)),
                InlineKeyboardButton("No, keep it", callback_data=_data("keep", found)),
            ]
        ]
    )
    html = svc.renderer.render("admin_topic_delete", name=found.name, followers=found.followers)
    await reply(update, context, html, keyboard)


def _data(action: str, topic: TopicInfo) -> str:
    return f"at:{action}:{topic.id}:{fingerprint(topic.name)}"


def _decode(data: str | None) -> tuple[str, int, str] | None:
    match (data or "").split(":"):
        case ["at", ("del" | "keep") as action, number, print_] if (
            number.isascii() and number.isdigit() and len(number) <= 10 and int(number) <= _MAX_ID
        ):
            return action, int(number), print_
    return None


async def on_topic_admin_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out or cancel /deltopic, in place."""
    if not await allowed(update, context):
        return
    query = update.callback_query
    assert query is not None
    decoded = _decode(query.data)
    if decoded is None:
        await query.answer("This button has expired.")
        return
    action, topic_id, print_ = decoded
    svc = services(context)
    found = next(
        (
            t
            for t in await topics.list_topics(svc.db)
            if t.id == topic_id and fingerprint(t.name) == print_
        ),
        None,
    )
    await query.answer()
    if found is None:
        await query.edit_message_text(svc.renderer.render("admin_topic_deleted", name=""))
        return
    if action == "keep":
        await query.edit_message_text(svc.renderer.render("admin_topic_kept", name=found.name))
        return
    try:
        removed = await topics.remove_topic(svc.db, found.name)
    except NotFound:
        await query.edit_message_text(svc.renderer.render("admin_topic_deleted", name=""))
        return
    await query.edit_message_text(svc.renderer.render("admin_topic_deleted", name=removed.name))


def handlers(chats: filters.BaseFilter) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, for the ordered list in ``bot.handlers``."""
    return [
        CommandHandler("addtopic", add_topic, filters=chats),
        CommandHandler("edittopic", edit_topic, filters=chats),
        CommandHandler("deltopic", delete_topic, filters=chats),
        CallbackQueryHandler(on_topic_admin_button, pattern=CALLBACK_PATTERN),
    ]
