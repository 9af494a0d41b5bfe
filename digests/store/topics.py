"""SQL for topics and subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digests.echo import shorten
from digests.errors import Duplicate
from digests.i18n import N_
from digests.models import Subscription, Topic, TopicsVersion
from digests.store.user_feeds import not_a_feed_topic
from digests.types import TopicInfo


def name_key(name: str) -> str:
    """The case-insensitive form topic names are unique by."""
    return " ".join(name.split()).casefold()


def to_info(topic: Topic, followers: int = 0) -> TopicInfo:
    """A topic row as a value that may leave the unit of work."""
    return TopicInfo(
        id=topic.id,
        name=topic.name,
        keywords=tuple(topic.keywords),
        exclude=tuple(topic.exclude or ()),
        followers=followers,
        alert=bool(topic.alert),
    )


async def add_topic(
    session: AsyncSession,
    *,
    name: str,
    keywords: tuple[str, ...],
    exclude: tuple[str, ...],
    now: datetime,
    owner_chat_id: int | None = None,
) -> Topic:
    """Insert a topic; raises Duplicate if one with that name exists (case-insensitively)."""
    if await find_topic(session, name, owner_chat_id=owner_chat_id) is not None:
        raise Duplicate(N_("A topic named “%(name)s” exists already."), name=shorten(name))
    topic = Topic(
        name=" ".join(name.split()),
        name_key=name_key(name),
        keywords=list(keywords),
        exclude=list(exclude),
        owner_chat_id=owner_chat_id,
        created_at=now,
        updated_at=now,
    )
    session.add(topic)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Duplicate(
            N_("A topic named “%(name)s” exists already."), name=shorten(name)
        ) from None
    return topic


async def find_topic(
    session: AsyncSession, name: str, *, owner_chat_id: int | None = None
) -> Topic | None:
    """The topic with this name (any case), or None."""
    owner = (
        Topic.owner_chat_id.is_(None)
        if owner_chat_id is None
        else Topic.owner_chat_id == owner_chat_id
    )
    rows = await session.execute(select(Topic).where(Topic.name_key == name_key(name), owner))
    return rows.scalar_one_or_none()


async def curated_topics(session: AsyncSession) -> list[TopicInfo]:
    """Every curated topic, by name, with its number of followers."""
    followers = (
        select(Subscription.topic_id, func.count().label("n"))
        .group_by(Subscription.topic_id)
        .subquery()
    )
    rows = await session.execute(
        select(Topic, func.coalesce(followers.c.n, 0))
        .outerjoin(followers, followers.c.topic_id == Topic.id)
        .where(Topic.owner_chat_id.is_(None))
        .order_by(Topic.name_key)
    )
    return [to_info(topic, int(count)) for topic, count in rows.all()]


async def all_matchable_topics(session: AsyncSession) -> list[TopicInfo]:
    """Every topic matching must consider: curated and personal (not feed topics, which
    match their source's articles, not words)."""
    rows = await session.execute(select(Topic).where(not_a_feed_topic()).order_by(Topic.id))
    return [to_info(topic) for topic in rows.scalars()]


async def topics_version(session: AsyncSession) -> int:
    """A number that changes whenever any topic is added, edited or deleted, by any process
    (kept by database triggers, migration 0009)."""
    version = await session.scalar(select(TopicsVersion.version).where(TopicsVersion.id == 1))
    return int(version or 0)


async def remove_topic(session: AsyncSession, topic: Topic) -> None:
    """Delete a topic with its subscriptions and matches."""
    await session.delete(topic)


async def followed_topic_ids(session: AsyncSession, chat_id: int) -> set[int]:
    """Ids of the topics a chat follows."""
    rows = await session.execute(
        select(Subscription.topic_id).where(Subscription.chat_id == chat_id)
    )
    return set(rows.scalars())


async def subscribe(
    session: AsyncSession,
    chat_id: int,
    topic_id: int,
    now: datetime,
    *,
    thread_id: int | None = None,
) -> None:
    """Make a chat follow a topic (no-op if it does already), its items going to the forum
    thread ``thread_id`` (None: with the digest)."""
    if await session.get(Subscription, (chat_id, topic_id)) is None:
        session.add(
            Subscription(chat_id=chat_id, topic_id=topic_id, thread_id=thread_id, created_at=now)
        )
        await session.flush()


async def unsubscribe(session: AsyncSession, chat_id: int, topic_id: int) -> None:
    """Make a chat stop following a topic."""
    await session.execute(
        delete(Subscription).where(
            Subscription.chat_id == chat_id, Subscription.topic_id == topic_id
        )
    )


async def unsubscribe_all(session: AsyncSession, chat_id: int) -> int:
    """Drop every subscription of a chat; returns how many there were."""
    result = await session.execute(delete(Subscription).where(Subscription.chat_id == chat_id))
    return int(getattr(result, "rowcount", 0) or 0)
