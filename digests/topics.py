"""Use cases for curated topics: add, change, remove, list; re-matching recent articles."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.echo import shorten
from digests.errors import InvalidInput, NotFound
from digests.i18n import N_
from digests.matching import parse_keywords
from digests.store import matches as match_store
from digests.store import topics as topic_store
from digests.types import TopicInfo

REMATCH_WINDOW = timedelta(days=30)
MAX_NAME_CHARS = 64


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(N_("A topic needs a name."))
    if len(cleaned) > MAX_NAME_CHARS:
        raise InvalidInput(N_("A topic name has at most %(n)d characters."), n=MAX_NAME_CHARS)
    return cleaned


async def add_topic(
    db: Database, name: str, keywords: str, exclude: str = "", *, now: datetime
) -> tuple[TopicInfo, int]:
    """Create a curated topic and match the last 30 days of articles against it.

    Returns the topic and how many recent articles it matched.
    """
    cleaned = _clean_name(name)
    include = parse_keywords(keywords)
    veto = parse_keywords(exclude, required=False)
    async with db.transaction() as session:
        topic = await topic_store.add_topic(
            session, name=cleaned, keywords=include, exclude=veto, now=now
        )
        info = topic_store.to_info(topic)
        matched = await _rematch(session, info, now)
    return info, matched


async def edit_topic(
    db: Database,
    name: str,
    *,
    keywords: str | None = None,
    exclude: str | None = None,
    now: datetime,
) -> tuple[TopicInfo, int]:
    """Replace a topic's keywords and/or excludes and re-match recent articles."""
    async with db.transaction() as session:
        topic = await topic_store.find_topic(session, name)
        if topic is None:
            raise NotFound(N_("There is no topic named “%(name)s”."), name=shorten(name))
        if keywords is not None:
            topic.keywords = list(parse_keywords(keywords))
        if exclude is not None:
            topic.exclude = list(parse_keywords(exclude, required=False))
        topic.updated_at = now
        await session.flush()
        info = topic_store.to_info(topic)
        matched = await _rematch(session, info, now)
    return info, matched


async def remove_topic(db: Database, name: str) -> TopicInfo:
    """Delete a curated topic, its subscriptions and matches."""
    async with db.transaction() as session:
        topic = await topic_store.find_topic(session, name)
        if topic is None:
            raise NotFound(N_("There is no topic named “%(name)s”."), name=shorten(name))
        info = topic_store.to_info(topic)
        await topic_store.remove_topic(session, topic)
    return info


async def list_topics(db: Database) -> list[TopicInfo]:
    """Every curated topic with its follower count, by name."""
    async with db.transaction() as session:
        return await topic_store.curated_topics(session)


async def _rematch(session: AsyncSession, topic: TopicInfo, now: datetime) -> int:
    recent = await match_store.recent_article_ids(session, now - REMATCH_WINDOW)
    return await match_store.match_articles(session, recent, [topic])
