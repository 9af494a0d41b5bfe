"""/follow, /following, /unfollow: a chat's personal keyword topics, previewed before saving.

/follow shows which recent articles the words would have matched, with Save / Cancel buttons.
The words wait in ``chat_data`` under a short random token; the buttons carry only that token
(``pf:save:<token>``), because callback data is at most 64 bytes and can be forged: it is a
lookup key, never the words themselves. Pending requests expire after ten minutes and are not
kept across restarts (the user just sends /follow again).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.filters import can_manage_chat
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import personal_topics as personal
from digests.errors import NewsbotError, NotFound
from digests.timeutil import utcnow
from digests.types import TopicInfo

PENDING_FOR = timedelta(minutes=10)
MAX_PENDING = 5
_PENDING = "follow.pending"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8}")
_EXPIRED = "This button has expired."
CALLBACK_PATTERN = r"^(pf|pu):"


@dataclass(frozen=True, slots=True)
class PendingFollow:
    """A previewed /follow waiting for Save or Cancel."""

    request: personal.FollowRequest
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class FollowAnswer:
    """Save (or cancel) the pending /follow kept under ``token``."""

    token: str
    save: bool


@dataclass(frozen=True, slots=True)
class RemoveTopic:
    """Remove personal topic ``topic_id`` (checked against the chat that pressed)."""

    topic_id: int


def encode(action: FollowAnswer | RemoveTopic) -> str:
    """Callback data for ``action``: at most 16 bytes."""
    match action:
        case FollowAnswer(token, save):
            return f"pf:{'save' if save else 'no'}:{token}"
        case RemoveTopic(topic_id):
            return f"pu:{topic_id}"


def decode(data: str | None) -> FollowAnswer | RemoveTopic | None:
    """The action in callback ``data``, or None when it is not one this module made."""
    if not data or len(data) > 64:
        return None
    match data.split(":"):
        case ["pf", "save" | "no" as verb, token] if _TOKEN.fullmatch(token):
            return FollowAnswer(token, verb == "save")
        case ["pu", number] if number.isascii() and number.isdigit() and len(number) <= 10:
            topic_id = int(number)
            return RemoveTopic(topic_id) if 0 < topic_id < 2**31 else None
    return None


def _pending(context: ContextTypes.DEFAULT_TYPE) -> dict[str, PendingFollow]:
    chat_data: dict[Any, Any] | None = context.chat_data
    assert chat_data is not None
    found = chat_data.setdefault(_PENDING, {})
    assert isinstance(found, dict)
    return found


def _keep(context: ContextTypes.DEFAULT_TYPE, request: personal.FollowRequest) -> str:
    now = utcnow()
    pending = _pending(context)
    for token in [t for t, p in pending.items() if p.expires_at <= now]:
        del pending[token]
    while len(pending) >= MAX_PENDING:
        del pending[next(iter(pending))]  # the oldest: dicts keep insertion order
    token = secrets.token_urlsafe(6)
    pending[token] = PendingFollow(request, now + PENDING_FOR)
    return token


def _take(context: ContextTypes.DEFAULT_TYPE, token: str) -> personal.FollowRequest | None:
    found = _pending(context).pop(token, None)
    if found is None or found.expires_at <= utcnow():
        return None
    return found.request


def _confirm_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Save", callback_data=encode(FollowAnswer(token, True))),
                InlineKeyboardButton("Cancel", callback_data=encode(FollowAnswer(token, False))),
            ]
        ]
    )


def _list_keyboard(topics: list[TopicInfo]) -> InlineKeyboardMarkup | None:
    if not topics:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✖ {number}. {topic.name}", callback_data=encode(RemoveTopic(topic.id))
                )
            ]
            for number, topic in enumerate(topics, start=1)
        ]
    )


async def follow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Preview a personal topic: the recent articles it would match, with Save / Cancel."""
    svc = services(context)
    if not await can_manage_chat(update, context):
        await reply(update, context, svc.renderer.render("group_admins_only"))
        return
    ref = chat_ref(update)
    try:
        request = personal.parse_follow(" ".join(context.args or []))
        preview = await personal.preview_follow(svc.db, ref.id, request)
    except NewsbotError as exc:
        await reply(update, context, svc.renderer.render("follow_refused", message=str(exc)))
        return
    html = svc.renderer.render(
        "follow_preview",
        name=request.name,
        keywords=request.keywords,
        exclude=request.exclude,
        checked=preview.checked,
        count=preview.count,
        items=personal.preview_views(preview, utcnow()),
    )
    await reply(update, context, html, _confirm_keyboard(_keep(context, request)))


async def show_following(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the chat's personal topics, numbered, with a remove button for each."""
    svc = services(context)
    topics = await personal.following(svc.db, chat_ref(update).id)
    html = svc.renderer.render("following", topics=topics)
    await reply(update, context, html, _list_keyboard(topics))


async def unfollow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remove a personal topic named by its /following number or its words."""
    svc = services(context)
    if not await can_manage_chat(update, context):
        await reply(update, context, svc.renderer.render("group_admins_only"))
        return
    try:
        removed = await personal.unfollow(svc.db, chat_ref(update).id, " ".join(context.args or []))
    except NewsbotError as exc:
        await reply(update, context, svc.renderer.render("follow_refused", message=str(exc)))
        return
    await reply(update, context, svc.renderer.render("follow_removed", name=removed.name))


async def on_follow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Save or cancel a previewed /follow, or remove a topic from the /following list."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    action = decode(query.data)
    if action is None:
        await query.answer(_EXPIRED)
        return
    if not await can_manage_chat(update, context):
        await query.answer(svc.renderer.render("group_admins_only"), show_alert=True)
        return
    if isinstance(action, RemoveTopic):
        await _remove(query, context, chat_ref(update).id, action.topic_id)
        return
    request = _take(context, action.token)
    if request is None:
        await query.answer(_EXPIRED)
        return
    if not action.save:
        await query.answer()
        await query.edit_message_text(svc.renderer.render("follow_cancelled"))
        return
    try:
        saved = await personal.save_follow(
            svc.db, chat_ref(update), request, svc.settings, now=utcnow()
        )
    except NewsbotError as exc:
        await query.answer()
        await query.edit_message_text(svc.renderer.render("follow_refused", message=str(exc)))
        return
    await query.answer(f"Following {saved.topic.name}")
    await query.edit_message_text(
        svc.renderer.render("follow_saved", name=saved.topic.name, matched=saved.matched)
    )


async def _remove(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, chat_id: int, topic_id: int
) -> None:
    svc = services(context)
    try:
        removed = await personal.unfollow_topic(svc.db, chat_id, topic_id)
    except NotFound as exc:
        await query.answer(str(exc))
        return
    await query.answer(f"Unfollowed {removed.name}")
    topics = await personal.following(svc.db, chat_id)
    try:
        await query.edit_message_text(
            svc.renderer.render("following", topics=topics), reply_markup=_list_keyboard(topics)
        )
    except BadRequest as exc:
        # A double tap leaves nothing to change; Telegram reports that as an error.
        if "not modified" not in exc.message.lower():
            raise
