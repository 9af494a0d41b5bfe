"""/topics: the topic picker, toggled in place by its buttons."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import keyboards
from bot.filters import can_manage_chat
from bot.handlers.language import chat_language
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import subscriptions
from digests.errors import NotFound
from digests.i18n import translator
from digests.timeutil import utcnow
from digests.types import TopicChoice

log = logging.getLogger(__name__)


async def show_topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the picker: every topic, marked where the chat follows it."""
    svc = services(context)
    ref = chat_ref(update)
    await subscriptions.register_chat(svc.db, ref, svc.settings, now=utcnow())
    choices = await subscriptions.topic_choices(svc.db, ref.id)
    lang = await chat_language(update, context)
    await reply(
        update,
        context,
        _picker_text(context, choices, lang),
        keyboards.topic_picker(choices, lang=lang),
    )


async def on_topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle a topic (admins only in groups) or turn the page, editing the same message."""
    query = update.callback_query
    assert query is not None
    action = keyboards.decode(query.data)
    svc = services(context)
    ref = chat_ref(update)
    lang = await chat_language(update, context)
    _ = translator(lang)
    if isinstance(action, keyboards.TopicsPage):
        choices = await subscriptions.topic_choices(svc.db, ref.id)
        await query.answer()
        await _edit_picker(query, context, choices, action.page, lang)
        return
    if not isinstance(action, keyboards.ToggleTopic):
        await query.answer(_("This button has expired."))
        return
    if not await can_manage_chat(update, context):
        await query.answer(svc.renderer.render("group_admins_only", lang=lang), show_alert=True)
        return
    try:
        following, choices = await subscriptions.toggle_topic(
            svc.db, ref, action.topic_id, svc.settings, now=utcnow()
        )
    except NotFound:
        choices = await subscriptions.topic_choices(svc.db, ref.id)
        await query.answer(svc.renderer.render("topic_gone", lang=lang))
        await _edit_picker(query, context, choices, action.page, lang)
        return
    name = next((c.name for c in choices if c.id == action.topic_id), "")
    await query.answer(
        _("Following %(topic)s", topic=name) if following else _("Unfollowed %(topic)s", topic=name)
    )
    await _edit_picker(query, context, choices, action.page, lang)


def _picker_text(context: ContextTypes.DEFAULT_TYPE, choices: list[TopicChoice], lang: str) -> str:
    followed = sum(1 for c in choices if c.followed)
    return services(context).renderer.render(
        "topics", lang=lang, choices=choices, followed=followed
    )


async def _edit_picker(
    query: CallbackQuery,
    context: ContextTypes.DEFAULT_TYPE,
    choices: list[TopicChoice],
    page: int,
    lang: str,
) -> None:
    try:
        await query.edit_message_text(
            _picker_text(context, choices, lang),
            reply_markup=keyboards.topic_picker(choices, page, lang),
        )
    except BadRequest as exc:
        # A double tap leaves nothing to change; Telegram reports that as an error.
        if "not modified" not in exc.message.lower():
            raise
