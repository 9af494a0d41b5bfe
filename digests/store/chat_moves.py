"""SQL for moving a chat to a new id, when Telegram upgrades a group to a supergroup.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Chat, DigestEdition, OutboxMessage, SourceOwner, Subscription, Topic
from digests.types import ChatKind

_MOVED_COLUMNS = (
    "title",
    "language",
    "timezone",
    "digest_times",
    "frequency",
    "weekly_day",
    "max_items",
    "notify_empty",
    "languages",
    "active",
    "inactive_reason",
    "last_digest_at",
    "next_digest_at",
    "created_at",
)


async def move_chat(session: AsyncSession, old_id: int, new_id: int, now: datetime) -> None:
    """Give the chat ``old_id`` the id ``new_id``, keeping its settings, topics and queue.

    Subscriptions, personal topics and the chat's own feeds reference ``chats.id``, so a new
    row is made first (a copy of the old one, as a supergroup), they are repointed, and the
    old row is deleted.
    Unsent outbox rows and digest history follow, so nothing is lost or sent twice. Safe to
    call again, and when the old chat was never stored (only the queue then moves).
    """
    old = await session.get(Chat, old_id)
    if old is not None and old_id != new_id:
        new = await session.get(Chat, new_id)
        if new is None:
            new = Chat(id=new_id, kind=ChatKind.SUPERGROUP.value, updated_at=now)
            for column in _MOVED_COLUMNS:
                setattr(new, column, getattr(old, column))
            session.add(new)
            await session.flush()
        followed = select(Subscription.topic_id).where(Subscription.chat_id == new_id)
        await session.execute(
            update(Subscription)
            .where(Subscription.chat_id == old_id, Subscription.topic_id.not_in(followed))
            .values(chat_id=new_id)
            .execution_options(synchronize_session=False)
        )
        owned = select(Topic.name_key).where(Topic.owner_chat_id == new_id)
        await session.execute(
            update(Topic)
            .where(Topic.owner_chat_id == old_id, Topic.name_key.not_in(owned))
            .values(owner_chat_id=new_id)
            .execution_options(synchronize_session=False)
        )
        feeds = select(SourceOwner.source_id).where(SourceOwner.chat_id == new_id)
        await session.execute(
            update(SourceOwner)
            .where(SourceOwner.chat_id == old_id, SourceOwner.source_id.not_in(feeds))
            .values(chat_id=new_id)
            .execution_options(synchronize_session=False)
        )
        await session.delete(old)
    periods = select(DigestEdition.period).where(DigestEdition.chat_id == new_id)
    await session.execute(
        update(DigestEdition)
        .where(DigestEdition.chat_id == old_id, DigestEdition.period.not_in(periods))
        .values(chat_id=new_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == old_id, OutboxMessage.status.in_(("pending", "sending")))
        .values(chat_id=new_id)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
