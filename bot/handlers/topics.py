"""/topics: the topic picker, toggled in place by its buttons."""

from __future__ import annotations

from bot import keyboards
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from digests import subscriptions
from digests.errors import NotFound
from digests.timeutil import utcnow
from digests.types import TopicChoice


@chat_handler
async def show_topics(chat: ChatContext) -> None:
    """Send the picker: every topic, marked where the chat follows it."""
    choices = await subscriptions.topic_choices(chat.services.db, chat.id)
    await chat.reply(_picker_text(chat, choices), keyboards.topic_picker(choices, lang=chat.lang))


@chat_handler
async def on_topic_button(chat: ChatContext) -> None:
    """Toggle a topic (admins only in groups) or turn the page, editing the same message."""
    action = keyboards.decode(chat.query.data)
    svc = chat.services
    if isinstance(action, keyboards.TopicsPage):
        choices = await subscriptions.topic_choices(svc.db, chat.id)
        await chat.toast()
        await _edit_picker(chat, choices, action.page)
        return
    if not isinstance(action, keyboards.ToggleTopic):
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    try:
        following, choices = await subscriptions.toggle_topic(
            svc.db, chat.ref, action.topic_id, svc.settings, now=utcnow(), thread_id=chat.thread_id
        )
    except NotFound:
        choices = await subscriptions.topic_choices(svc.db, chat.id)
        await chat.toast(chat.render("topic_gone"))
        await _edit_picker(chat, choices, action.page)
        return
    name = next((c.name for c in choices if c.id == action.topic_id), "")
    if not following:
        toast = chat._("Unfollowed %(topic)s", topic=name)
    elif chat.thread_id is not None:
        toast = chat._("Following %(topic)s: its news comes to this thread", topic=name)
    else:
        toast = chat._("Following %(topic)s", topic=name)
    await chat.toast(toast)
    await _edit_picker(chat, choices, action.page)


def _picker_text(chat: ChatContext, choices: list[TopicChoice]) -> str:
    followed = sum(1 for c in choices if c.followed)
    return chat.render("topics", choices=choices, followed=followed)


async def _edit_picker(chat: ChatContext, choices: list[TopicChoice], page: int) -> None:
    await chat.edit(_picker_text(chat, choices), keyboards.topic_picker(choices, page, chat.lang))
