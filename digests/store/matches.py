"""SQL for article-topic matches: stored once so /latest and digests are indexed queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.matching import FEED_STRENGTH, MatchableText, TopicMatch, TopicMatcher
from digests.models import Article, ArticleTopic
from digests.store import user_feeds
from digests.store.user_feeds import keep_visible
from digests.types import TopicInfo

_BATCH = 500
_INSERT_CHUNK = 5000


async def match_articles(
    session: AsyncSession,
    article_ids: Sequence[int],
    topics: Sequence[TopicInfo],
    *,
    matcher: TopicMatcher | None = None,
) -> int:
    """Match the given articles against ``topics`` and store the matches; returns how many.

    Existing matches of these articles with these topics are replaced, so calling it again
    after a topic changed is safe. ``matcher``, when given, must be built from ``topics``:
    with 100k topics building one takes seconds, so a caller may keep it between calls.
    """
    if not article_ids or not topics:
        return 0
    matcher = matcher or TopicMatcher(topics)
    topic_ids = {t.id for t in topics}
    stored = 0
    for start in range(0, len(article_ids), _BATCH):
        batch = list(article_ids[start : start + _BATCH])
        await _forget(session, batch, topic_ids)
        rows = await session.execute(
            select(Article.id, Article.title, Article.summary, Article.text, Article.sort_at).where(
                Article.id.in_(batch)
            )
        )
        stored += await insert_matches(
            session,
            (
                (article_id, sort_at, match)
                for article_id, title, summary, body, sort_at in rows.all()
                for match in matcher.match(MatchableText(title, summary or "", body or ""))
            ),
        )
    return stored


async def insert_matches(
    session: AsyncSession, matches: Iterable[tuple[int, datetime, TopicMatch]]
) -> int:
    """Store ``(article_id, sort_at, match)`` rows of articles that have none with these
    topics yet (new articles); returns how many.

    Matches that would offer a chat-added feed's article to a chat that did not add the feed
    are left out (``user_feeds.keep_visible``): this is the one door into ``article_topics``.
    """
    found = [
        {
            "article_id": article_id,
            "topic_id": match.topic_id,
            "strength": match.strength,
            "matched": ", ".join(match.matched)[:256],
            "sort_at": sort_at,
        }
        for article_id, sort_at, match in matches
    ]
    found = await keep_visible(session, found)
    # One executemany per chunk, not an ORM object per row: an article can match
    # hundreds of personal topics (bench/personal_topics.py).
    for chunk in range(0, len(found), _INSERT_CHUNK):
        await session.execute(insert(ArticleTopic), found[chunk : chunk + _INSERT_CHUNK])
    return len(found)


async def link_feed_items(session: AsyncSession, source_id: int, urls: Sequence[str]) -> int:
    """Match the articles at ``urls`` that other sources stored first (URLs are unique) with
    the feed topics of the chats that added ``source_id``, as its own new articles are; so a
    chat's feed brings every item it lists. Returns how many matches were added."""
    topics = (await user_feeds.feed_topics(session, [source_id])).get(source_id)
    if not topics or not urls:
        return 0
    rows = await session.execute(
        select(Article.id, Article.sort_at).where(
            Article.url.in_(list(urls)), Article.source_id != source_id
        )
    )
    found = {article_id: sort_at for article_id, sort_at in rows.all()}
    if not found:
        return 0
    have = await session.execute(
        select(ArticleTopic.article_id, ArticleTopic.topic_id).where(
            ArticleTopic.article_id.in_(list(found)), ArticleTopic.topic_id.in_(topics)
        )
    )
    taken = {(article_id, topic_id) for article_id, topic_id in have.all()}
    return await insert_matches(
        session,
        (
            (article_id, sort_at, TopicMatch(topic_id, FEED_STRENGTH, ()))
            for article_id, sort_at in found.items()
            for topic_id in topics
            if (article_id, topic_id) not in taken
        ),
    )


async def _forget(session: AsyncSession, article_ids: list[int], topic_ids: set[int]) -> None:
    """Delete the stored matches of these articles with these topics.

    With every topic of every chat there can be 100k topic ids: more than one statement may
    bind (PostgreSQL allows 32,767 parameters). So only the topics these articles matched
    before are named, a chunk at a time; for new articles that is none.
    """
    rows = await session.execute(
        select(ArticleTopic.topic_id).where(ArticleTopic.article_id.in_(article_ids)).distinct()
    )
    stale = sorted(set(rows.scalars()) & topic_ids)
    for start in range(0, len(stale), _BATCH):
        await session.execute(
            delete(ArticleTopic).where(
                ArticleTopic.article_id.in_(article_ids),
                ArticleTopic.topic_id.in_(stale[start : start + _BATCH]),
            )
        )


async def recent_article_ids(session: AsyncSession, since: datetime) -> list[int]:
    """Ids of articles first seen at or after ``since``, oldest first."""
    rows = await session.execute(
        select(Article.id).where(Article.first_seen_at >= since).order_by(Article.id)
    )
    return list(rows.scalars())
