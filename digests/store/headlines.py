"""SQL for reading headlines: the newest matching articles for a chat or a topic."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, ArticleTopic, Source, Subscription, Topic
from digests.types import Headline


async def newest_for_topics(
    session: AsyncSession, topic_ids: Collection[int], limit: int
) -> list[Headline]:
    """The newest articles matching any of ``topic_ids``, newest first, each once."""
    if not topic_ids:
        return []
    newest = (
        select(ArticleTopic.article_id, func.max(ArticleTopic.sort_at).label("sort_at"))
        .where(ArticleTopic.topic_id.in_(list(topic_ids)))
        .group_by(ArticleTopic.article_id)
        .order_by(func.max(ArticleTopic.sort_at).desc(), ArticleTopic.article_id.desc())
        .limit(limit)
        .subquery()
    )
    rows = await session.execute(
        select(Article.id, Article.title, Article.url, Source.name, Article.sort_at)
        .join(newest, newest.c.article_id == Article.id)
        .join(Source, Source.id == Article.source_id)
        .order_by(Article.sort_at.desc(), Article.id.desc())
    )
    found = rows.all()
    names = await _topic_names(session, [row[0] for row in found], topic_ids)
    return [
        Headline(
            article_id=article_id,
            title=title,
            url=url,
            source_name=source_name,
            seen_at=sort_at,
            topics=tuple(names.get(article_id, ())),
        )
        for article_id, title, url, source_name, sort_at in found
    ]


async def newest_for_chat(session: AsyncSession, chat_id: int, limit: int) -> list[Headline]:
    """The newest articles matching any topic the chat follows."""
    rows = await session.execute(
        select(Subscription.topic_id).where(Subscription.chat_id == chat_id)
    )
    return await newest_for_topics(session, list(rows.scalars()), limit)


async def _topic_names(
    session: AsyncSession, article_ids: list[int], topic_ids: Collection[int]
) -> dict[int, list[str]]:
    if not article_ids:
        return {}
    rows = await session.execute(
        select(ArticleTopic.article_id, Topic.name)
        .join(Topic, Topic.id == ArticleTopic.topic_id)
        .where(ArticleTopic.article_id.in_(article_ids), Topic.id.in_(list(topic_ids)))
        .order_by(Topic.name_key)
    )
    names: dict[int, list[str]] = {}
    for article_id, name in rows.all():
        names.setdefault(article_id, []).append(name)
    return names
