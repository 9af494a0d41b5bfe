"""Use cases for chats and what they follow: register, pick topics, stop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.errors import NotFound
from digests.i18n import N_, supported_language
from digests.models import Chat, Topic
from digests.settings import Settings
from digests.store import chats as chat_store
from digests.store import personal_topics as personal_store
from digests.store import topics as topic_store
from digests.store import user_feeds as user_feed_store
from digests.types import ChatRef, TopicChoice


async def ensure_chat(
    session: AsyncSession, chat: ChatRef, settings: Settings, *, now: datetime
) -> tuple[Chat, bool]:
    """Within the caller's unit of work: create the chat with the configured defaults, or
    refresh and reactivate it. Returns the row and whether it is new."""
    return await chat_store.upsert_chat(
        session,
        chat,
        default_timezone=settings.default_timezone,
        default_digest_time=settings.default_digest_time,
        now=now,
    )


async def register_chat(db: Database, chat: ChatRef, settings: Settings, *, now: datetime) -> bool:
    """Record a chat that talked to the bot (or reactivate it); True if it is new."""
    async with db.transaction() as session:
        _, created = await ensure_chat(session, chat, settings, now=now)
    return created


async def open_chat(db: Database, chat: ChatRef, settings: Settings, *, now: datetime) -> str:
    """Register the chat (or refresh and reactivate it) and return the language the bot
    speaks there, in one unit of work: what every reply to the chat needs first."""
    async with db.transaction() as session:
        row, _ = await ensure_chat(session, chat, settings, now=now)
        return supported_language(row.language)


async def topic_choices(db: Database, chat_id: int) -> list[TopicChoice]:
    """Every curated topic, marked where this chat follows it."""
    async with db.transaction() as session:
        topics = await topic_store.curated_topics(session)
        followed = await topic_store.followed_topic_ids(session, chat_id)
    return [TopicChoice(t.id, t.name, t.id in followed) for t in topics]


async def toggle_topic(
    db: Database,
    chat: ChatRef,
    topic_id: int,
    settings: Settings,
    *,
    now: datetime,
    thread_id: int | None = None,
) -> tuple[bool, list[TopicChoice]]:
    """Follow the topic if the chat does not, else unfollow it.

    Followed from inside a forum thread (``thread_id``), the topic's items go to that thread.

    Returns whether the chat now follows it, and the refreshed choices. Raises NotFound if
    the topic was deleted since the picker was shown.
    """
    async with db.transaction() as session:
        await ensure_chat(session, chat, settings, now=now)
        topic = await session.get(Topic, topic_id)
        if topic is None or topic.owner_chat_id is not None:
            raise NotFound(N_("That topic no longer exists."))
        followed = await topic_store.followed_topic_ids(session, chat.id)
        if topic_id in followed:
            await topic_store.unsubscribe(session, chat.id, topic_id)
            now_following = False
        else:
            await topic_store.subscribe(session, chat.id, topic_id, now, thread_id=thread_id)
            now_following = True
    return now_following, await topic_choices(db, chat.id)


async def unsubscribe_everything(db: Database, chat_id: int) -> int:
    """Unfollow every topic and delete the chat's keyword topics and feeds; returns how many
    it followed.

    A keyword topic nobody follows would still be matched and listed in /following while
    delivering nothing, so /stop removes it rather than leaving it half alive; a feed no
    chat has any more is deleted and no longer fetched.
    """
    async with db.transaction() as session:
        count = await topic_store.unsubscribe_all(session, chat_id)
        await personal_store.delete_owned(session, chat_id)
        await user_feed_store.delete_orphans(session)
    return count


async def followed_count(db: Database, chat_id: int) -> int:
    """How many topics the chat follows, curated and its own keyword topics."""
    async with db.transaction() as session:
        return len(await topic_store.followed_topic_ids(session, chat_id))
