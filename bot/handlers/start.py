"""/start and /help: register the chat, greet, and show the topic picker."""

from __future__ import annotations

from telegram.constants import ChatType

from bot import keyboards
from bot.chat import ChatContext, chat_handler
from digests import subscriptions
from digests.types import ChatKind


@chat_handler
async def start(chat: ChatContext) -> None:
    """Greet in one paragraph and show the topic picker."""
    choices = await subscriptions.topic_choices(chat.services.db, chat.id)
    user = chat.update.effective_user
    name = user.first_name if user and chat.ref.kind is ChatKind.PRIVATE else chat.ref.title
    await chat.say(
        "start", keyboards.topic_picker(choices, lang=chat.lang), title=name, topics=bool(choices)
    )


@chat_handler
async def help_command(chat: ChatContext) -> None:
    """List the commands."""
    group = chat.ref.kind.value in (ChatType.GROUP, ChatType.SUPERGROUP)
    await chat.say("help", group=group)
