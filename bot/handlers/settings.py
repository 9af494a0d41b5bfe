"""/settings: the chat's digest time, zone, frequency and size, changed by buttons or typed answers.

Buttons edit the settings message in place. "Type a time…", "Change time zone…" and "Type a
number…" open a prompt: the chat's next text message (in groups, from the admin who pressed)
is taken as the answer. The open prompt lives in ``chat_data`` with a deadline, and
:func:`on_answer` runs in a handler group before the others, so text that answers nothing goes
on to the usual handlers (and the "I didn't get that" hint) untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import settings_keyboards as kb
from bot.chat import ChatContext, chat_handler, open_chat
from bot.filters import can_manage_chat
from digests import muting
from digests.chat_settings import (
    AddTime,
    Change,
    ChatSettings,
    RemoveTime,
    SettingsView,
    SetZone,
    change_settings,
    get_settings,
    max_items_from_text,
    quiet_from_text,
    route_everything,
    settings_view,
    time_from_text,
    zone_from_location,
    zone_from_text,
    zone_note,
)
from digests.errors import InvalidInput, NotFound, UnclearTime, UnknownZone
from digests.timeutil import utcnow

ANSWER_TIMEOUT = timedelta(minutes=10)
_PENDING = "settings.pending"
_PARSERS: dict[kb.Prompt, Callable[[str], Change]] = {
    kb.Prompt.TIME: time_from_text,
    kb.Prompt.ZONE: zone_from_text,
    kb.Prompt.ITEMS: max_items_from_text,
    kb.Prompt.QUIET: quiet_from_text,
}


@dataclass(frozen=True, slots=True)
class PendingAnswer:
    """A prompt waiting for its typed answer."""

    prompt: kb.Prompt
    user_id: int | None  # who must answer; None in channels, whose posts have no sender
    expires_at: datetime

    def accepts(self, user_id: int | None, now: datetime) -> bool:
        """Whether a message from ``user_id`` at ``now`` answers this prompt."""
        return now < self.expires_at and (self.user_id is None or self.user_id == user_id)


@chat_handler
async def show_settings(chat: ChatContext) -> None:
    """Send the chat's settings with the buttons that change them."""
    svc = chat.services
    current = await get_settings(svc.db, chat.ref, svc.settings, now=utcnow())
    await chat.reply(_text(chat, current), _keyboard(chat, current))


@chat_handler
async def on_settings_button(chat: ChatContext) -> None:
    """Show a part of the settings, open a prompt, or save a change; admins only in groups."""
    svc = chat.services
    action = kb.decode(chat.query.data)
    if action is None:
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    match action:
        case kb.ShowView(view):
            current = await get_settings(svc.db, chat.ref, svc.settings, now=utcnow())
            await chat.toast()
            await _edit(chat, current, view)
        case kb.AskFor(prompt):
            await chat.toast()
            await _ask(chat, prompt)
        case kb.RouteEverything(here):
            thread = chat.thread_id if here else None
            current = await route_everything(svc.db, chat.ref, thread, svc.settings, now=utcnow())
            await chat.toast(chat.render("settings_toast", what="threads", v=_view(chat, current)))
            await _edit(chat, current, kb.View.THREADS)
        case kb.Unmute(source_id):
            await _unmute(chat, source_id)
        case change:
            try:
                current = await change_settings(
                    svc.db, chat.ref, change, svc.settings, now=utcnow()
                )
            except InvalidInput as exc:  # a stale button: a fifth time, the last one removed
                await chat.toast(chat.explain(exc), alert=True)
                return
            await chat.toast(_toast(chat, change, current))
            await _edit(chat, current, _view_after(change))


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take a text message as the answer to an open prompt; without one, let it go on.

    A shared location answers the time-zone prompt. An invalid answer gets a one-line error
    and the prompt stays open. Raises ApplicationHandlerStop once the message is handled, so
    no later handler sees it.
    """
    message = update.effective_message
    pending = _pending(context)
    if message is None or pending is None:
        return
    location = message.location if pending.prompt is kb.Prompt.ZONE else None
    if message.text is None and location is None:
        return
    now = utcnow()
    if now >= pending.expires_at:
        _close(context)
        return
    if not pending.accepts(_sender_id(update), now):
        return  # someone else in the group talking; the prompt waits for the admin
    chat = await open_chat(update, context)
    if not await can_manage_chat(update, context):
        _close(context)
        await chat.say("group_admins_only")
        raise ApplicationHandlerStop
    try:
        # The first zone answer loads the city table (~0.1 s); a location opens timezonefinder.
        change: Change
        if location is not None:
            change = await asyncio.to_thread(
                zone_from_location, location.latitude, location.longitude
            )
        else:
            change = await asyncio.to_thread(_PARSERS[pending.prompt], message.text or "")
    except InvalidInput as exc:
        await _answer_again(chat, message, exc, pending.prompt)
        raise ApplicationHandlerStop from None
    svc = chat.services
    current = await change_settings(svc.db, chat.ref, change, svc.settings, now=now)
    _close(context)
    note = _note(chat, change, current)
    if isinstance(change, SetZone) and chat.ref.kind.value == ChatType.PRIVATE:
        # The location keyboard is a reply keyboard: only a message of its own removes it.
        await chat.reply(escape(note, quote=False), ReplyKeyboardRemove())  # note: plain text
        await chat.reply(_text(chat, current), _keyboard(chat, current))
        raise ApplicationHandlerStop
    await chat.reply(_text(chat, current, note=note), _keyboard(chat, current))
    raise ApplicationHandlerStop


@chat_handler
async def cancel(chat: ChatContext) -> None:
    """Close an open prompt without changing anything."""
    pending = _pending(chat.context)
    mine = pending is not None and pending.accepts(_sender_id(chat.update), utcnow())
    if mine:
        _close(chat.context)
    private = chat.ref.kind.value == ChatType.PRIVATE
    markup = ReplyKeyboardRemove() if mine and private else None
    await chat.say("settings_cancelled", markup, pending=mine)


async def _unmute(chat: ChatContext, source_id: int) -> None:
    """Let a muted source back in and show what is still muted."""
    svc = chat.services
    try:
        name = await muting.unmute_source(svc.db, chat.id, source_id)
        toast = chat.render("settings_toast", what="unmuted", source=name, v=None)
    except NotFound as exc:
        toast = chat.explain(exc)
    current = await get_settings(svc.db, chat.ref, svc.settings, now=utcnow())
    await chat.toast(toast)
    await _edit(chat, current, kb.View.MUTED if current.muted else kb.View.MAIN)


async def _ask(chat: ChatContext, prompt: kb.Prompt) -> None:
    user = chat.query.from_user
    channel = _is_channel(chat.update)
    chat.context.chat_data[_PENDING] = PendingAnswer(  # type: ignore[index]
        prompt=prompt,
        user_id=None if channel else user.id,
        expires_at=utcnow() + ANSWER_TIMEOUT,
    )
    group = chat.ref.kind.value in (ChatType.GROUP, ChatType.SUPERGROUP)
    html = chat.render(
        "settings_prompt",
        prompt=prompt.value,
        user_id=user.id if group else None,
        name=user.first_name,
        location=prompt is kb.Prompt.ZONE and chat.ref.kind.value == ChatType.PRIVATE,
    )
    await chat.reply(html, _prompt_markup(chat, chat.ref.kind.value, prompt))


def _prompt_markup(
    chat: ChatContext, chat_type: str, prompt: kb.Prompt
) -> ForceReply | ReplyKeyboardMarkup | None:
    """How the answer is asked for. A private chat's zone prompt offers a location button
    (Telegram allows request_location there only). A bot in privacy mode sees only the group
    messages that reply to it: ForceReply opens such a reply, and ``selective`` offers it to
    the mentioned admin alone. Channels have no reply field to force."""
    if chat_type == ChatType.CHANNEL:
        return None
    if prompt is kb.Prompt.ZONE and chat_type == ChatType.PRIVATE:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(chat._("📍 Send my location"), request_location=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    return ForceReply(selective=True)


async def _answer_again(
    chat: ChatContext, message: Message, error: InvalidInput, prompt: kb.Prompt
) -> None:
    if isinstance(error, UnknownZone):
        html = chat.render(
            "settings_unclear",
            problem=error.problem,
            typed=error.typed,
            suggestions=error.suggestions,
        )
    elif isinstance(error, UnclearTime):
        html = chat.render("settings_unclear", problem="time", typed=error.typed)
    else:
        html = chat.render("settings_invalid", message=chat.explain(error))
    markup = _prompt_markup(chat, message.chat.type, prompt)
    await message.reply_text(html, reply_markup=markup)


def _pending(context: ContextTypes.DEFAULT_TYPE) -> PendingAnswer | None:
    found = (context.chat_data or {}).get(_PENDING)
    return found if isinstance(found, PendingAnswer) else None


def _close(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.chat_data is not None:
        context.chat_data.pop(_PENDING, None)


def _sender_id(update: Update) -> int | None:
    """Who sent the update; None in channels, where posts carry no user."""
    user = update.effective_user
    return None if _is_channel(update) or user is None else user.id


def _is_channel(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.CHANNEL


def _text(
    chat: ChatContext,
    current: ChatSettings,
    view: kb.View = kb.View.MAIN,
    note: str | None = None,
) -> str:
    return chat.render(
        "settings", v=_view(chat, current), view=view.value, note=note, forum=_place(chat).forum
    )


def _view(chat: ChatContext, current: ChatSettings) -> SettingsView:
    return settings_view(current, chat.lang)


def _place(chat: ChatContext) -> kb.Place:
    """Whether the chat is a forum and which thread this update is in."""
    tg_chat = chat.update.effective_chat
    return kb.Place(bool(tg_chat and tg_chat.is_forum), chat.thread_id)


def _keyboard(
    chat: ChatContext, current: ChatSettings, view: kb.View = kb.View.MAIN
) -> InlineKeyboardMarkup:
    return kb.settings_keyboard(current, view, chat.lang, _place(chat))


def _note(chat: ChatContext, change: Change, current: ChatSettings) -> str:
    """The line on top of the settings after a typed answer: how a zone was read, or the toast."""
    if isinstance(change, SetZone):
        return chat.render("settings_zone_set", n=zone_note(change, current, chat.lang))
    return _toast(chat, change, current)


def _toast(chat: ChatContext, change: Change, current: ChatSettings) -> str:
    return chat.render("settings_toast", what=change.kind, v=_view(chat, current))


def _view_after(change: Change) -> kb.View:
    """Adding or removing a time stays on the times, so a second one is one tap away."""
    return kb.View.TIME if isinstance(change, AddTime | RemoveTime) else kb.View.MAIN


async def _edit(chat: ChatContext, current: ChatSettings, view: kb.View) -> None:
    await chat.edit(_text(chat, current, view), _keyboard(chat, current, view))
