"""SQL for personal keyword topics: the topics a chat owns, recent articles to preview them on.

A personal topic is a ``Topic`` row with ``owner_chat_id`` set; creating and subscribing go
through ``digests.store.topics``. Every lookup here is scoped by the owning chat, so a forged
topic id from another chat finds nothing.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.matching import MatchableText
from digests.models import Article, ArticleTopic, Source, SourceOwner, Topic
from digests.store.topics import to_info
from digests.store.user_feeds import not_a_feed_topic, public_source
from digests.types import Headline, TopicInfo


async def count_owned(session: AsyncSession, chat_id: int) -> int:
    """How many personal topics the chat has."""
    rows = await session.execute(
        select(func.count())
        .select_from(Topic)
        .where(Topic.owner_chat_id == chat_id, not_a_feed_topic())
    )
    return int(rows.scalar_one())


async def owned_topics(session: AsyncSession, chat_id: int) -> list[TopicInfo]:
    """The chat's personal topics, oldest first (the order /following numbers them in)."""
    rows = await session.execute(
        select(Topic).where(Topic.owner_chat_id == chat_id, not_a_feed_topic()).order_by(Topic.id)
    )
    return [to_info(topic) for topic in rows.scalars()]


async def find_owned(session: AsyncSession, chat_id: int, topic_id: int) -> Topic | None:
    """The personal topic ``topic_id`` if this chat owns it, else None."""
    rows = await session.execute(
        select(Topic).where(
            Topic.id == topic_id, Topic.owner_chat_id == chat_id, not_a_feed_topic()
        )
    )
    return rows.scalar_one_or_none()


async def delete_owned(session: AsyncSession, chat_id: int) -> int:
    """Delete every personal topic of the chat (with its matches); returns how many."""
    result = await session.execute(delete(Topic).where(Topic.owner_chat_id == chat_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def latest_stored(
    session: AsyncSession, limit: int, *, chat_id: int
) -> list[tuple[Headline, MatchableText]]:
    """The ``limit`` most recently stored articles the chat may be shown (curated sources'
    and its own feeds'), newest first, as headline and text."""
    own = select(SourceOwner.source_id).where(SourceOwner.chat_id == chat_id)
    rows = await session.execute(
        select(
            Article.id,
            Article.title,
            Article.url,
            Source.name,
            Article.sort_at,
            Article.summary,
            Article.text,
        )
        .join(Source, Source.id == Article.source_id)
        .where(or_(public_source(), Source.id.in_(own)))
        .order_by(Article.id.desc())
        .limit(limit)
    )
    return [
        (
            Headline(article_id, title, url, source_name, sort_at),
            MatchableText(title, summary or "", text or ""),
        )
        for article_id, title, url, source_name, sort_at, summary, text in rows.all()
    ]


async def matched_for_chat(
    session: AsyncSession, chat_id: int, article_ids: Collection[int]
) -> dict[int, tuple[str, ...]]:
    """For each article, the keywords of this chat's personal topics that it matched.

    What /latest and digests show as "matched: …" under an item; articles that came only
    from curated topics are left out.
    """
    if not article_ids:
        return {}
    rows = await session.execute(
        select(ArticleTopic.article_id, ArticleTopic.matched)
        .join(Topic, Topic.id == ArticleTopic.topic_id)
        .where(ArticleTopic.article_id.in_(list(article_ids)), Topic.owner_chat_id == chat_id)
        .order_by(ArticleTopic.article_id, Topic.id)
    )
    found: dict[int, dict[str, None]] = {}
    for article_id, matched in rows.all():
        for keyword in (matched or "").split(", "):
            if keyword:
                found.setdefault(article_id, {})[keyword] = None
    return {article_id: tuple(words) for article_id, words in found.items()}
