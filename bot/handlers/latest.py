"""/latest [topic]: the newest headlines for the chat's topics or one named topic."""

from __future__ import annotations

from bot import read_buttons
from bot.chat import ChatContext, chat_handler
from digests.latest import UnknownTopic, latest_headlines
from digests.render import headline_views
from digests.timeutil import utcnow


@chat_handler
async def latest(chat: ChatContext) -> None:
    """Reply with up to 10 linked headlines, newest first, or say why there are none."""
    topic_name = " ".join(chat.args) or None
    try:
        result = await latest_headlines(chat.services.db, chat.id, topic_name)
    except UnknownTopic as exc:
        await chat.say("unknown_topic", name=exc.name, known=exc.known, more=exc.more)
        return
    await chat.say(
        "latest",
        read_buttons.keyboard(
            read_buttons.in_chat(chat.ref.kind, read_buttons.numbered(result.headlines, chat.lang))
        ),
        items=headline_views(result.headlines, utcnow(), chat.lang),
        follows_nothing=result.follows_nothing,
        topic=result.topic,
    )
