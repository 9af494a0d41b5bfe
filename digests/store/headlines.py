"""SQL for reading headlines: the newest stories matching a chat's or a topic's articles.

One item per event (several outlets' write-ups of one happening, ``digests.events``), else
per story: the newest matching report stands for it (so the list is ordered by when it was
last carried), with the other sources that carry it and, for a republished or late copy,
when and by whom the story was first reported.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, ArticleTopic, Source, Story, Subscription, Topic
from digests.store.chat_language import language_clause
from digests.store.reading import readable_column
from digests.store.stories import StoryFacts, story_facts
from digests.stories import first_report_shown
from digests.types import Headline

ALSO_SHOWN = 3
# Rows read per step while collecting distinct stories; a story carried by many sources
# takes several rows, so read a few per wanted item.
_ROWS_PER_ITEM = 4


async def newest_for_topics(
    session: AsyncSession,
    topic_ids: Collection[int],
    limit: int,
    *,
    languages: Sequence[str] | None = None,
    muted: Collection[int] = (),
) -> list[Headline]:
    """The newest stories matching any of ``topic_ids``, newest first, each once.

    One indexed range read (``ix_article_topics_topic_sort``), repeated only when copies of
    the same stories fill it, then three small look-ups for the chosen ≤ ``limit`` items.
    With ``languages``, only articles in those languages (or of unknown language) count;
    articles of the ``muted`` sources never do.
    """
    if not topic_ids or limit <= 0:
        return []
    picked = await _newest_per_story(session, list(topic_ids), limit, languages, muted)
    return await headlines_for(session, picked, topic_ids)


async def headlines_for(
    session: AsyncSession,
    picked: Sequence[tuple[int, int | None]],
    topic_ids: Collection[int] = (),
) -> list[Headline]:
    """The headlines of ``picked`` (article id, story id) pairs, in that order: title, link,
    source, the story's other sources and first report, and which of ``topic_ids`` each
    matched. Articles gone meanwhile are left out."""
    if not picked:
        return []
    ids = [article_id for article_id, _ in picked]
    rows = await session.execute(
        select(
            Article.id,
            Article.title,
            Article.url,
            Source.name,
            Article.sort_at,
            readable_column(),
        )
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids))
    )
    found = {row[0]: row for row in rows.all()}
    names = await _topic_names(session, ids, topic_ids) if topic_ids else {}
    facts = await story_facts(session, [story for _, story in picked if story is not None])
    headlines = []
    for article_id, story_id in picked:
        if article_id not in found:
            continue
        _, title, url, source_name, sort_at, readable = found[article_id]
        headline = _headline(
            article_id,
            title,
            url,
            source_name,
            sort_at,
            tuple(names.get(article_id, ())),
            facts.get(story_id) if story_id is not None else None,
        )
        headlines.append(replace(headline, readable=bool(readable)))
    return headlines


async def newest_for_chat(session: AsyncSession, chat_id: int, limit: int) -> list[Headline]:
    """The newest stories matching any topic the chat follows."""
    rows = await session.execute(
        select(Subscription.topic_id).where(Subscription.chat_id == chat_id)
    )
    return await newest_for_topics(session, list(rows.scalars()), limit)


async def _newest_per_story(
    session: AsyncSession,
    topic_ids: list[int],
    limit: int,
    languages: Sequence[str] | None,
    muted: Collection[int] = (),
) -> list[tuple[int, int | None]]:
    """(article id, story id) of the newest matching report of each of the newest events (or
    stories, or articles, for those in none)."""
    batch = limit * _ROWS_PER_ITEM
    picked: dict[object, tuple[int, int | None]] = {}
    after: tuple[datetime, int] | None = None
    while len(picked) < limit:
        query = (
            select(ArticleTopic.article_id, ArticleTopic.sort_at, Article.story_id, Story.event_id)
            .join(Article, Article.id == ArticleTopic.article_id)
            .outerjoin(Story, Story.id == Article.story_id)
            .where(ArticleTopic.topic_id.in_(topic_ids))
            .order_by(ArticleTopic.sort_at.desc(), ArticleTopic.article_id.desc())
            .limit(batch)
        )
        in_languages = language_clause(languages)
        if in_languages is not None:
            query = query.where(in_languages)
        if muted:
            query = query.where(Article.source_id.not_in(list(muted)))
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(
                    ArticleTopic.sort_at < at,
                    and_(ArticleTopic.sort_at == at, ArticleTopic.article_id < last_id),
                )
            )
        rows = (await session.execute(query)).all()
        for article_id, _sort_at, story_id, event_id in rows:
            key = (
                ("event", event_id)
                if event_id is not None
                else ("story", story_id)
                if story_id is not None
                else ("article", article_id)
            )
            if key not in picked and len(picked) < limit:
                picked[key] = (article_id, story_id)
        if len(rows) < batch:
            break
        after = (rows[-1][1], rows[-1][0])
    return list(picked.values())


def _headline(
    article_id: int,
    title: str,
    url: str,
    source_name: str,
    sort_at: datetime,
    topics: tuple[str, ...],
    facts: StoryFacts | None,
) -> Headline:
    if facts is None:
        return Headline(article_id, title, url, source_name, sort_at, topics)
    others = [name for name in facts.sources if name != source_name]
    first_at = facts.first_reported_at
    shown = first_report_shown(sort_at, first_at)
    return Headline(
        article_id=article_id,
        title=title,
        url=url,
        source_name=source_name,
        seen_at=sort_at,
        topics=topics,
        story_id=facts.story_id,
        also=tuple(others[:ALSO_SHOWN]),
        also_more=max(0, len(others) - ALSO_SHOWN),
        first_reported_at=first_at if shown else None,
        first_source=facts.first_source if shown else None,
    )


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
