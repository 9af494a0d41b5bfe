"""SQL for forum threads: where a chat's digest and each followed topic are posted."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Chat, Subscription, Topic


@dataclass(frozen=True, slots=True)
class Routes:
    """Where a chat's news goes: the digest's thread and the topics routed elsewhere."""

    digest_thread_id: int | None  # None: General
    topics: tuple[tuple[str, int], ...]  # (topic name, thread id), by name


async def routes(session: AsyncSession, chat_id: int) -> Routes:
    """The chat's digest thread and every followed topic that has a thread of its own."""
    digest = await session.scalar(select(Chat.digest_thread_id).where(Chat.id == chat_id))
    rows = await session.execute(
        select(Topic.name, Subscription.thread_id)
        .join(Topic, Topic.id == Subscription.topic_id)
        .where(Subscription.chat_id == chat_id, Subscription.thread_id.is_not(None))
        .order_by(Topic.name)
    )
    return Routes(
        digest, tuple((name, thread) for name, thread in rows.all() if thread is not None)
    )


async def topic_threads(
    session: AsyncSession, chat_ids: Collection[int]
) -> dict[int, dict[int, int]]:
    """For each chat with routed topics: topic id → thread id."""
    found: dict[int, dict[int, int]] = {}
    ids = list(chat_ids)
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(Subscription.chat_id, Subscription.topic_id, Subscription.thread_id).where(
                Subscription.chat_id.in_(ids[start : start + 500]),
                Subscription.thread_id.is_not(None),
            )
        )
        for chat_id, topic_id, thread_id in rows.all():
            if thread_id is not None:
                found.setdefault(chat_id, {})[topic_id] = thread_id
    return found


async def route_topic(
    session: AsyncSession, chat_id: int, topic_id: int, thread_id: int | None
) -> None:
    """Send a followed topic's items to ``thread_id`` (None: with the digest)."""
    await session.execute(
        update(Subscription)
        .where(Subscription.chat_id == chat_id, Subscription.topic_id == topic_id)
        .values(thread_id=thread_id)
    )


async def route_everything(
    session: AsyncSession, chat_id: int, thread_id: int | None, now: datetime
) -> None:
    """Send the digest and every topic to ``thread_id`` (None: General)."""
    await session.execute(
        update(Chat).where(Chat.id == chat_id).values(digest_thread_id=thread_id, updated_at=now)
    )
    await session.execute(
        update(Subscription).where(Subscription.chat_id == chat_id).values(thread_id=None)
    )


async def clear_thread(session: AsyncSession, chat_id: int, thread_id: int, now: datetime) -> bool:
    """Forget ``thread_id`` (deleted or closed) as a destination of the chat's news.

    Returns whether anything was routed there, so the chat is told once.
    """
    chat = await session.execute(
        update(Chat)
        .where(Chat.id == chat_id, Chat.digest_thread_id == thread_id)
        .values(digest_thread_id=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    topics = await session.execute(
        update(Subscription)
        .where(Subscription.chat_id == chat_id, Subscription.thread_id == thread_id)
        .values(thread_id=None)
        .execution_options(synchronize_session=False)
    )
    changed = int(getattr(chat, "rowcount", 0) or 0) + int(getattr(topics, "rowcount", 0) or 0)
    return changed > 0
