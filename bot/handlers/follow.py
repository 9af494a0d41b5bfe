"""/follow, /following, /unfollow: a chat's personal keyword topics, previewed before saving.

A keyword topic can be switched to an alert (its new stories sent at once) from the /following
list or right after Save: ``pa:<topic id>:<1|0>``, checked against the chat that pressed.

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

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ContextTypes

from bot import callbacks
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from digests import personal_topics as personal
from digests.alerts import set_topic_alert
from digests.errors import NewsbotError, NotFound
from digests.i18n import N_
from digests.timeutil import utcnow
from digests.types import TopicInfo

PENDING_FOR = timedelta(minutes=10)
MAX_PENDING = 5
_PENDING = "follow.pending"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8}")
_EXPIRED = N_("This button has expired.")
CALLBACK_PATTERN = callbacks.pattern(
    callbacks.FOLLOW_ANSWER, callbacks.REMOVE_TOPIC, callbacks.ALERT_TOGGLE
)


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


@dataclass(frozen=True, slots=True)
class ToggleAlert:
    """Switch personal topic ``topic_id`` to an alert (``on``) or back to the digest."""

    topic_id: int
    on: bool


Action = FollowAnswer | RemoveTopic | ToggleAlert


def encode(action: Action) -> str:
    """Callback data for ``action``: at most 16 bytes."""
    match action:
        case ToggleAlert(topic_id, on):
            return f"{callbacks.ALERT_TOGGLE}:{topic_id}:{int(on)}"
        case FollowAnswer(token, save):
            return f"{callbacks.FOLLOW_ANSWER}:{'save' if save else 'no'}:{token}"
        case RemoveTopic(topic_id):
            return f"{callbacks.REMOVE_TOPIC}:{topic_id}"


def decode(data: str | None) -> Action | None:
    """The action in callback ``data``, or None when it is not one this module made."""
    if not data or len(data) > 64:
        return None
    match data.split(":"):
        case [callbacks.FOLLOW_ANSWER, "save" | "no" as verb, token] if _TOKEN.fullmatch(token):
            return FollowAnswer(token, verb == "save")
        case [callbacks.REMOVE_TOPIC, number]:
            topic_id = callbacks.small_int(number)
            return RemoveTopic(topic_id) if topic_id else None
        case [callbacks.ALERT_TOGGLE, number, "0" | "1" as flag]:
            topic_id = callbacks.small_int(number)
            return ToggleAlert(topic_id, flag == "1") if topic_id else None
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
    pending = _pending(context)
    found = pending.pop(token, None)
    if not pending and context.chat_data is not None:
        del context.chat_data[_PENDING]  # an empty chat_data is dropped (bot.app)
    if found is None or found.expires_at <= utcnow():
        return None
    return found.request


def _confirm_keyboard(chat: ChatContext, token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    chat._("Save"), callback_data=encode(FollowAnswer(token, True))
                ),
                InlineKeyboardButton(
                    chat._("Cancel"), callback_data=encode(FollowAnswer(token, False))
                ),
            ]
        ]
    )


def _list_keyboard(
    chat: ChatContext, topics: list[TopicInfo], *, alerts: bool = True
) -> InlineKeyboardMarkup | None:
    """A remove button per topic and, beside it, its alert switch (not when picking one)."""
    if not topics:
        return None
    rows = []
    for number, topic in enumerate(topics, start=1):
        row = [
            InlineKeyboardButton(
                f"✖ {number}. {topic.name}", callback_data=encode(RemoveTopic(topic.id))
            )
        ]
        if alerts:
            row.append(_alert_button(chat, topic.id, topic.alert))
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def _alert_button(chat: ChatContext, topic_id: int, on: bool) -> InlineKeyboardButton:
    label = chat._("🔔 Alert: on") if on else chat._("🔕 Alert: off")
    return InlineKeyboardButton(label, callback_data=encode(ToggleAlert(topic_id, not on)))


async def _say_list(chat: ChatContext, *, picking: bool) -> None:
    topics = await personal.following(chat.services.db, chat.id)
    keyboard = _list_keyboard(chat, topics, alerts=not picking)
    await chat.say("following", keyboard, topics=topics, picking=picking, per_hour=_per_hour(chat))


def _per_hour(chat: ChatContext) -> int:
    return chat.services.settings.alerts_per_hour


@chat_handler
async def follow(chat: ChatContext) -> None:
    """Preview a personal topic: the recent articles it would match, with Save / Cancel."""
    if not await can_manage_chat(chat.update, chat.context):
        await chat.say("group_admins_only")
        return
    try:
        request = personal.parse_follow(" ".join(chat.args))
        preview = await personal.preview_follow(chat.services.db, chat.id, request)
    except NewsbotError as exc:
        await chat.say("follow_refused", message=chat.explain(exc))
        return
    html = chat.render(
        "follow_preview",
        name=request.name,
        keywords=request.keywords,
        exclude=request.exclude,
        checked=preview.checked,
        count=preview.count,
        items=personal.preview_views(preview, utcnow(), chat.lang),
    )
    await chat.reply(html, _confirm_keyboard(chat, _keep(chat.context, request)))


@chat_handler
async def show_following(chat: ChatContext) -> None:
    """List the chat's personal topics, numbered, with remove and alert buttons for each."""
    await _say_list(chat, picking=False)


@chat_handler
async def unfollow(chat: ChatContext) -> None:
    """Remove a personal topic named by its /following number or its words; alone, list the
    chat's keyword topics as buttons that remove them."""
    if not await can_manage_chat(chat.update, chat.context):
        await chat.say("group_admins_only")
        return
    db = chat.services.db
    if not chat.args:
        await _say_list(chat, picking=True)
        return
    try:
        removed = await personal.unfollow(db, chat.id, " ".join(chat.args))
    except NewsbotError as exc:
        await chat.say("follow_refused", message=chat.explain(exc))
        return
    await chat.say("follow_removed", name=removed.name)


@chat_handler
async def on_follow_button(chat: ChatContext) -> None:
    """Save or cancel a previewed /follow, or remove a topic from a /following list."""
    action = decode(chat.query.data)
    if action is None:
        await chat.toast(chat._(_EXPIRED))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    if isinstance(action, RemoveTopic):
        await _remove(chat, action.topic_id)
        return
    if isinstance(action, ToggleAlert):
        await _toggle_alert(chat, action)
        return
    request = _take(chat.context, action.token)
    if request is None:
        await chat.toast(chat._(_EXPIRED))
        return
    if not action.save:
        await chat.toast()
        await chat.edit(chat.render("follow_cancelled"))
        return
    svc = chat.services
    try:
        saved = await personal.save_follow(
            svc.db, chat.ref, request, svc.settings, now=utcnow(), thread_id=chat.thread_id
        )
    except NewsbotError as exc:
        await chat.toast()
        await chat.edit(chat.render("follow_refused", message=chat.explain(exc)))
        return
    await chat.toast(chat._("Following %(topic)s", topic=saved.topic.name))
    html = chat.render(
        "follow_saved", name=saved.topic.name, matched=saved.matched, per_hour=_per_hour(chat)
    )
    alert = InlineKeyboardMarkup([[_alert_button(chat, saved.topic.id, False)]])
    await chat.edit(html, alert)


async def _remove(chat: ChatContext, topic_id: int) -> None:
    db = chat.services.db
    try:
        removed = await personal.unfollow_topic(db, chat.id, topic_id)
    except NotFound as exc:
        await chat.toast(chat.explain(exc))
        return
    await chat.toast(chat._("Unfollowed %(topic)s", topic=removed.name))
    await _edit_list(chat, removed=removed.name)


async def _toggle_alert(chat: ChatContext, action: ToggleAlert) -> None:
    try:
        await set_topic_alert(chat.services.db, chat.id, action.topic_id, action.on)
    except NotFound as exc:
        await chat.toast(chat.explain(exc))
        return
    topics = await _edit_list(chat)
    name = next((t.name for t in topics if t.id == action.topic_id), "")
    if action.on:
        toast = chat._(
            "Alerts on for %(topic)s: new stories come at once, at most %(n)d an hour.",
            topic=name,
            n=_per_hour(chat),
        )
    else:
        toast = chat._("Alerts off for %(topic)s: its stories come in the digest.", topic=name)
    await chat.toast(toast)


async def _edit_list(chat: ChatContext, removed: str | None = None) -> list[TopicInfo]:
    """Show the /following list in place of the pressed message; returns the topics."""
    topics = await personal.following(chat.services.db, chat.id)
    html = chat.render(
        "following", topics=topics, picking=False, removed=removed, per_hour=_per_hour(chat)
    )
    await chat.edit(html, _list_keyboard(chat, topics))
    return topics
