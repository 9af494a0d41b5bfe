"""/broadcast: an admin's guided flow (message → audience → preview → confirm) and its progress.

The flow is a ConversationHandler, per user and per chat, in a private chat with the bot:

    /broadcast → TEXT: the admin sends Telegram HTML, or a link (made into a card)
               → AUDIENCE: all active chats / the followers of a topic / only me
               → TOPIC: which topic (only for "followers of a topic")
               → CONFIRM: the message itself is sent as the preview, then Send / Cancel

``/cancel`` leaves it at any step; an idle flow ends after ``CONVERSATION_TIMEOUT``. Every
handler is admin-only (bot.admin), buttons included, and a button pressed outside its step
(stale or forged) is answered by ``on_stray_button`` and changes nothing.

After "Send", the confirmation message becomes the progress message: a JobQueue job edits it
every ``PROGRESS_INTERVAL`` seconds, only when its text changed, with a Stop button; when
nothing remains the final counts are written and a report follows as a new message. At start
the bot resumes a job for every broadcast still queued (from the row's progress message), and
looks again every minute (broadcasts queued from the command line), so a restart loses
neither the progress message nor the final counts.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import cast

from babel.dates import format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.admin import admin_only
from bot.chat import ChatContext, open_chat
from bot.services import services
from bot.types import App, Context, Conversation, Jobs
from digests import broadcast as cases
from digests import chat_languages
from digests import topics as topic_cases
from digests.broadcast import Audience, Progress
from digests.errors import InvalidInput
from digests.i18n import DEFAULT_LANGUAGE, translator
from digests.ingest import make_fetcher
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

# Conversation states.
TEXT, AUDIENCE, TOPIC, CONFIRM = range(4)

CONVERSATION_TIMEOUT = timedelta(minutes=15)
PROGRESS_INTERVAL = 3.0  # seconds between edits of the progress message
RESUME_INTERVAL = 60.0  # seconds between looks for broadcasts no job follows
_DRAFT = "broadcast.draft"
_MAX_TOPIC_BUTTONS = 90
_AUDIENCE_DATA = re.compile(
    callbacks.pattern(callbacks.BROADCAST_AUDIENCE, rest="(all|topic|me|back)$")
)
_TOPIC_DATA = re.compile(callbacks.pattern(callbacks.BROADCAST_TOPIC, rest=r"(\d{1,10})$"))
_CONFIRM_DATA = re.compile(callbacks.pattern(callbacks.BROADCAST_CONFIRM, rest="([ynu])$"))
_STOP_DATA = re.compile(callbacks.pattern(callbacks.BROADCAST_STOP, rest=r"(\d{1,10})$"))
STRAY_PATTERN = callbacks.pattern(
    callbacks.BROADCAST_AUDIENCE, callbacks.BROADCAST_TOPIC, callbacks.BROADCAST_CONFIRM
)
STOP_PATTERN = callbacks.pattern(callbacks.BROADCAST_STOP)


@dataclass(frozen=True, slots=True)
class Draft:
    """The broadcast being prepared, kept in ``user_data`` between steps."""

    text: str
    source_url: str | None = None
    audience: Audience = Audience.ALL
    topic_id: int | None = None
    topic: str | None = None
    urgent: bool = False  # sent through the recipients' quiet hours


# -- keyboards -----------------------------------------------------------------------------------


def audience_keyboard(chat: ChatContext, all_chats: int) -> InlineKeyboardMarkup:
    """All active chats / followers of a topic / only me."""
    _ = chat._
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("All active chats (%(n)d)", n=all_chats),
                    callback_data=f"{callbacks.BROADCAST_AUDIENCE}:all",
                )
            ],
            [
                InlineKeyboardButton(
                    _("Followers of a topic…"),
                    callback_data=f"{callbacks.BROADCAST_AUDIENCE}:topic",
                )
            ],
            [
                InlineKeyboardButton(
                    _("Only me (a test)"), callback_data=f"{callbacks.BROADCAST_AUDIENCE}:me"
                )
            ],
        ]
    )


def topics_keyboard(chat: ChatContext, choices: list[tuple[int, str, int]]) -> InlineKeyboardMarkup:
    """One button per topic (name and followers), two a row, and a way back."""
    buttons = [
        InlineKeyboardButton(
            f"{name} ({followers})", callback_data=f"{callbacks.BROADCAST_TOPIC}:{topic_id}"
        )
        for topic_id, name, followers in choices[:_MAX_TOPIC_BUTTONS]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(
                chat._("‹ Back"), callback_data=f"{callbacks.BROADCAST_AUDIENCE}:back"
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def confirm_keyboard(chat: ChatContext, count: int, urgent: bool = False) -> InlineKeyboardMarkup:
    """Send / Cancel, and whether it is urgent (sent through quiet hours)."""
    send = chat.ngettext("Send to %(num)d chat", "Send to %(num)d chats", count)
    urgency = (
        chat._("🚨 Urgent: sent now, even in quiet hours")
        if urgent
        else chat._("🌙 Waits for quiet hours · make urgent")
    )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(send, callback_data=f"{callbacks.BROADCAST_CONFIRM}:y"),
                InlineKeyboardButton(
                    chat._("Cancel"), callback_data=f"{callbacks.BROADCAST_CONFIRM}:n"
                ),
            ],
            [InlineKeyboardButton(urgency, callback_data=f"{callbacks.BROADCAST_CONFIRM}:u")],
        ]
    )


def stop_keyboard(broadcast_id: int, lang: str) -> InlineKeyboardMarkup:
    """The Stop button under the progress message."""
    _ = translator(lang)
    label = _("⏹ Stop")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{callbacks.BROADCAST_STOP}:{broadcast_id}")]]
    )


# -- the flow ------------------------------------------------------------------------------------


@admin_only
async def start_flow(chat: ChatContext) -> int:
    """Ask for the message (private chats only)."""
    if chat.ref.kind.value != ChatType.PRIVATE:
        await chat.say("broadcast_private_only")
        return ConversationHandler.END
    _user_data(chat.context).pop(_DRAFT, None)
    await chat.say("broadcast_prompt")
    return TEXT


@admin_only
async def on_text(chat: ChatContext) -> int:
    """Check the message (or make a card of the link) and ask for the audience."""
    svc = chat.services
    message = chat.update.effective_message
    assert message is not None and message.text is not None
    url = cases.link_in(message.text)
    try:
        if url is not None:
            async with make_fetcher(svc.settings) as fetcher:
                card = await cases.fetch_card(
                    fetcher, url, allow_private=svc.settings.allow_private_sources
                )
            # The card goes to every chat as it is: the site's own words, not a reply.
            text = cases.check_html(svc.renderer.render("broadcast_card", card=card))
        else:
            text = cases.check_html(message.text)
    except InvalidInput as exc:
        await chat.say("broadcast_invalid", problem=chat.explain(exc))
        return TEXT
    _user_data(chat.context)[_DRAFT] = Draft(text=text, source_url=url)
    all_chats = await cases.count_recipients(svc.db, Audience.ALL)
    await chat.say("broadcast_audience", audience_keyboard(chat, all_chats))
    return AUDIENCE


@admin_only
async def on_audience(chat: ChatContext) -> int | None:
    """All chats or only me: show the preview. A topic: list the topics."""
    db = chat.services.db
    draft = _draft(chat.context)
    found = _AUDIENCE_DATA.match(chat.query.data or "")
    if draft is None or found is None:
        await chat.toast(chat._("This button has expired."))
        return None
    choice = found.group(1)
    await chat.toast()
    if choice == "back":
        all_chats = await cases.count_recipients(db, Audience.ALL)
        await chat.edit(chat.render("broadcast_audience"), audience_keyboard(chat, all_chats))
        return AUDIENCE
    if choice == "topic":
        topics = [(t.id, t.name, t.followers) for t in await topic_cases.list_topics(db)]
        markup = topics_keyboard(chat, topics) if topics else audience_keyboard(chat, 0)
        await chat.edit(chat.render("broadcast_topics", topics=bool(topics)), markup)
        return TOPIC if topics else AUDIENCE
    draft = replace(draft, audience=Audience(choice), topic_id=None, topic=None)
    return await _preview(chat, draft)


@admin_only
async def on_topic(chat: ChatContext) -> int | None:
    """The followers of the chosen topic: show the preview."""
    draft = _draft(chat.context)
    found = _TOPIC_DATA.match(chat.query.data or "")
    if draft is None or found is None:
        await chat.toast(chat._("This button has expired."))
        return None
    topic_id = int(found.group(1))
    try:
        name = await cases.topic_name(chat.services.db, topic_id)
    except InvalidInput as exc:
        await chat.toast(chat.explain(exc), alert=True)
        return None
    await chat.toast()
    draft = replace(draft, audience=Audience.TOPIC, topic_id=topic_id, topic=name)
    return await _preview(chat, draft)


async def _preview(chat: ChatContext, draft: Draft) -> int:
    """Send the message exactly as recipients get it, then the count and Send / Cancel."""
    _user_data(chat.context)[_DRAFT] = draft
    count = await cases.count_recipients(chat.services.db, draft.audience, draft.topic_id)
    await chat.edit(
        chat.render("broadcast_audience_chosen", audience=draft.audience.value, topic=draft.topic)
    )
    await chat.reply(draft.text)  # as the sender sends it: HTML, no link preview
    await chat.say(
        "broadcast_confirm",
        confirm_keyboard(chat, count, draft.urgent),
        audience=draft.audience.value,
        topic=draft.topic,
        count=count,
        urgent=draft.urgent,
    )
    return CONFIRM


async def _toggle_urgent(chat: ChatContext, draft: Draft) -> int:
    """Flip the draft's urgency and show it on the confirmation."""
    draft = replace(draft, urgent=not draft.urgent)
    _user_data(chat.context)[_DRAFT] = draft
    count = await cases.count_recipients(chat.services.db, draft.audience, draft.topic_id)
    await chat.toast()
    html = chat.render(
        "broadcast_confirm",
        audience=draft.audience.value,
        topic=draft.topic,
        count=count,
        urgent=draft.urgent,
    )
    await chat.edit(html, confirm_keyboard(chat, count, draft.urgent))
    return CONFIRM


@admin_only
async def on_confirm(chat: ChatContext) -> int | None:
    """Send: queue it and turn this message into the progress message. Cancel: forget it."""
    svc = chat.services
    draft = _draft(chat.context)
    found = _CONFIRM_DATA.match(chat.query.data or "")
    if draft is None or found is None:
        await chat.toast(chat._("This button has expired."))
        return None
    if found.group(1) == "u":
        return await _toggle_urgent(chat, draft)
    _user_data(chat.context).pop(_DRAFT, None)
    if found.group(1) == "n":
        await chat.toast()
        await chat.edit(chat.render("broadcast_cancelled"))
        return ConversationHandler.END
    user = chat.update.effective_user
    assert user is not None
    plan = cases.Plan(
        admin_id=user.id,
        text=draft.text,
        audience=draft.audience,
        topic_id=draft.topic_id,
        me_chat_id=chat.id,
        source_url=draft.source_url,
        progress_chat_id=chat.id,
        urgent=draft.urgent,
    )
    started = await cases.start_broadcast(svc.db, plan, now=utcnow())
    svc.notify_sender()
    await chat.toast(chat._("Sending."))
    first = Progress(
        id=started.id,
        recipients=started.recipients,
        sent=0,
        failed=0,
        blocked=0,
        stopped=0,
        remaining=started.recipients,
        status=cases.BroadcastStatus.QUEUED,
    )
    text = _progress_text(chat.context, first, chat.lang)
    edited = await chat.query.edit_message_text(
        text, reply_markup=stop_keyboard(started.id, chat.lang)
    )
    message_id = edited.message_id if not isinstance(edited, bool) else None
    if message_id is not None:
        await cases.set_progress_message(svc.db, started.id, chat.id, message_id)
    watch(_job_queue(chat.context), started.id, chat.id, message_id, shown=text, lang=chat.lang)
    return ConversationHandler.END


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Leave the flow; nothing is queued."""
    chat = await open_chat(update, context, register=False)  # as the admin commands do
    _user_data(context).pop(_DRAFT, None)
    await chat.say("broadcast_cancelled")
    return ConversationHandler.END


@admin_only
async def on_stray_button(chat: ChatContext) -> None:
    """A flow button pressed outside its step (an old message, or forged): nothing happens."""
    await chat.toast(chat._("This button has expired."))


@admin_only
async def on_stop_button(chat: ChatContext) -> None:
    """Stop a running broadcast: its queued messages are dropped; what was sent stays sent."""
    found = _STOP_DATA.match(chat.query.data or "")
    if found is None:
        await chat.toast(chat._("This button has expired."))
        return
    broadcast_id = int(found.group(1))
    dropped = await cases.stop_broadcast(chat.services.db, broadcast_id)
    await chat.toast(chat.render("broadcast_stopping", count=dropped))
    message = chat.query.message
    chat_id = message.chat.id if message is not None else None
    message_id = message.message_id if message is not None else None
    watch(_job_queue(chat.context), broadcast_id, chat_id, message_id, lang=chat.lang)


def conversation() -> Conversation:
    """The /broadcast flow as one handler."""
    # Buttons are tracked per chat and user, not per message (per_message=False): PTB warns
    # about that, and it is what we want — the step decides which buttons count.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("broadcast", start_flow)],
            states={
                TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, on_text)],
                AUDIENCE: [
                    CallbackQueryHandler(
                        on_audience, pattern=callbacks.pattern(callbacks.BROADCAST_AUDIENCE)
                    )
                ],
                TOPIC: [
                    CallbackQueryHandler(
                        on_topic, pattern=callbacks.pattern(callbacks.BROADCAST_TOPIC)
                    ),
                    CallbackQueryHandler(
                        on_audience,
                        pattern=callbacks.pattern(callbacks.BROADCAST_AUDIENCE, rest="back$"),
                    ),
                ],
                CONFIRM: [
                    CallbackQueryHandler(
                        on_confirm, pattern=callbacks.pattern(callbacks.BROADCAST_CONFIRM)
                    )
                ],
            },
            fallbacks=[CommandHandler("cancel", on_cancel)],
            allow_reentry=True,
            per_user=True,
            per_chat=True,
            conversation_timeout=CONVERSATION_TIMEOUT,
            name="broadcast",
        )


# -- progress ------------------------------------------------------------------------------------


@dataclass
class _Watch:
    """What one progress job knows between its runs."""

    broadcast_id: int
    chat_id: int | None
    message_id: int | None
    shown: str | None = None
    lang: str = DEFAULT_LANGUAGE  # the language of the chat the progress message is in
    meter: cases.RateMeter = field(default_factory=cases.RateMeter)


def _job_name(broadcast_id: int) -> str:
    return f"broadcast-progress-{broadcast_id}"


def watch(
    job_queue: Jobs,
    broadcast_id: int,
    chat_id: int | None,
    message_id: int | None,
    *,
    shown: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> None:
    """Follow the broadcast until it is finished, writing in ``lang``; one job per broadcast.

    A second call adds only the progress message, if the job did not know it yet (the
    minute's look for unfinished broadcasts may start a job before "Send" has finished).
    """
    name = _job_name(broadcast_id)
    for job in job_queue.get_jobs_by_name(name):
        state = job.data
        if isinstance(state, _Watch) and state.message_id is None and message_id is not None:
            state.chat_id, state.message_id, state.shown = chat_id, message_id, shown
            state.lang = lang
        return
    job_queue.run_repeating(
        _tick,
        interval=PROGRESS_INTERVAL,
        first=min(1.0, PROGRESS_INTERVAL),
        data=_Watch(broadcast_id, chat_id, message_id, shown, lang),
        name=name,
    )


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One look at the broadcast: edit the progress message, or finish with the report."""
    job = context.job
    assert job is not None
    state = job.data
    assert isinstance(state, _Watch)
    svc = services(context)
    try:
        current, won = await cases.settle(svc.db, state.broadcast_id, now=utcnow())
    except InvalidInput:
        log.warning("broadcast %d is gone; no more progress", state.broadcast_id)
        job.schedule_removal()
        return
    except Exception:  # a database hiccup: the next tick tries again
        log.exception("could not read the progress of broadcast %d", state.broadcast_id)
        return
    state.meter.add(time.monotonic(), current.done)
    current = replace(current, eta=state.meter.eta(current.remaining))
    if current.finished:
        job.schedule_removal()
    text = _progress_text(context, current, state.lang)
    markup = None if current.finished else stop_keyboard(current.id, state.lang)
    if state.chat_id is not None and state.message_id is not None and text != state.shown:
        try:
            await _pace(context, state.chat_id)
            await context.bot.edit_message_text(
                text, chat_id=state.chat_id, message_id=state.message_id, reply_markup=markup
            )
            state.shown = text
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                state.shown = text
            else:
                log.warning("could not edit broadcast %d's progress: %s", current.id, exc)
        except TelegramError as exc:
            log.warning("could not edit broadcast %d's progress: %s", current.id, exc)
    if current.finished and won and state.chat_id is not None:
        try:
            await _pace(context, state.chat_id)
            await context.bot.send_message(
                state.chat_id, svc.renderer.render("broadcast_report", lang=state.lang, p=current)
            )
        except TelegramError as exc:
            log.warning("could not send broadcast %d's report: %s", current.id, exc)


async def _pace(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    delivery = services(context).delivery
    if delivery is not None:
        await delivery.acquire_direct(chat_id)


def _progress_text(context: Context, current: Progress, lang: str) -> str:
    _ = translator(lang)
    if current.remaining == 0:
        eta = _("done")
    elif current.eta is None:
        eta = _("unknown")
    elif lang == DEFAULT_LANGUAGE:
        eta = cases.duration_text(current.eta)
    else:  # CLDR's words for the largest unit ("3 دقائق")
        eta = format_timedelta(timedelta(seconds=round(current.eta)), locale=lang)
    return services(context).renderer.render("broadcast_progress", lang=lang, p=current, eta=eta)


async def _resume(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow every broadcast still queued that no job follows, on its progress message."""
    svc = services(context)
    try:
        rows = await cases.unfinished(svc.db)
    except Exception:
        log.exception("could not look for unfinished broadcasts")
        return
    queue = _job_queue(context)
    for row in rows:
        if queue.get_jobs_by_name(_job_name(row.id)):
            continue
        log.info("following broadcast %d", row.id)
        lang = DEFAULT_LANGUAGE
        if row.progress_chat_id is not None:
            lang = await chat_languages.chat_language(svc.db, row.progress_chat_id) or lang
        watch(queue, row.id, row.progress_chat_id, row.progress_message_id, lang=lang)


def install(application: App) -> None:
    """Follow unfinished broadcasts: at start, then every ``RESUME_INTERVAL`` seconds.

    At start this resumes what a restart interrupted; later runs pick up broadcasts queued
    from the command line, so their final counts are written even if no one watched them.
    """
    if application.job_queue is None:
        log.warning("no job queue (APScheduler missing): broadcast progress is not shown")
        return
    # A repeating job whose first run is already due when the bot starts skips to its next
    # interval (APScheduler's IntervalTrigger), so the run at start is a job of its own.
    application.job_queue.run_once(_resume, when=0, name="broadcast-resume")
    application.job_queue.run_repeating(
        _resume, interval=RESUME_INTERVAL, first=RESUME_INTERVAL, name="broadcast-resume"
    )


# -- helpers -------------------------------------------------------------------------------------


def _user_data(context: ContextTypes.DEFAULT_TYPE) -> dict[object, object]:
    data = context.user_data
    assert data is not None
    return data


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    found = _user_data(context).get(_DRAFT)
    return found if isinstance(found, Draft) else None


def _job_queue(context: ContextTypes.DEFAULT_TYPE) -> Jobs:
    queue = context.job_queue
    assert queue is not None
    # PTB 22 annotates CallbackContext.job_queue with a type variable that nothing binds.
    return cast("Jobs", queue)
