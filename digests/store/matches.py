"""SQL for article-topic matches: stored once so /latest and digests are indexed queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.matching import MatchableText, TopicMatcher
from digests.models import Article, ArticleTopic
from digests.types import TopicInfo

_BATCH = 500


async def match_articles(
    session: AsyncSession, article_ids: Sequence[int], topics: Sequence[TopicInfo]
) -> int:
    """Match the given articles against ``topics`` and store the matches; returns how many.

    Existing matches of these articles with these topics are replaced, so calling it again
    after a topic changed is safe.
    """
    if not article_ids or not topics:
        return 0
    matcher = TopicMatcher(topics)
    topic_ids = [t.id for t in topics]
    stored = 0
    for start in range(0, len(article_ids), _BATCH):
        batch = list(article_ids[start : start + _BATCH])
        await session.execute(
            delete(ArticleTopic).where(
                ArticleTopic.article_id.in_(batch), ArticleTopic.topic_id.in_(topic_ids)
            )
        )
        rows = await session.execute(
            select(Article.id, Article.title, Article.summary, Article.text, Article.sort_at).where(
                Article.id.in_(batch)
            )
        )
        for article_id, title, summary, body, sort_at in rows.all():
            for match in matcher.match(MatchableText(title, summary or "", body or "")):
                session.add(
                    ArticleTopic(
                        article_id=article_id,
                        topic_id=match.topic_id,
                        strength=match.strength,
                        matched=", ".join(match.matched)[:256],
                        sort_at=sort_at,
                    )
                )
                stored += 1
        await session.flush()
    return stored


async def recent_article_ids(session: AsyncSession, since: datetime) -> list[int]:
    """Ids of articles first seen at or after ``since``, oldest first."""
    rows = await session.execute(
        select(Article.id).where(Article.first_seen_at >= since).order_by(Article.id)
    )
    return list(rows.scalars())
