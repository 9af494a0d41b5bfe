"""SQL for stories: Story rows, signatures, and the near-duplicate index's lookup keys.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Article, ArticleSignature, Source, Story, StoryKey
from digests.store.grouped import IN_CHUNK
from digests.store.user_feeds import public_source
from digests.stories import Copy, decode_signature, title_key
from digests.types import NewArticle

_INSERT_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """A story as a headline list shows it: its first sighting and who carries it."""

    story_id: int
    first_seen_at: datetime
    first_published_at: datetime | None
    first_source: str | None
    sources: tuple[str, ...]  # distinct source names, earliest copy first (of its whole event)
    event_id: int | None = None

    @property
    def first_reported_at(self) -> datetime:
        """The earliest date known for the story: a claimed publication date or our first sight."""
        if self.first_published_at is None:
            return self.first_seen_at
        return min(self.first_published_at, self.first_seen_at)


async def copies_by_keys(
    session: AsyncSession, keys: Collection[int], *, since: datetime
) -> list[Copy]:
    """The clustered articles stored since ``since`` that have any of these lookup keys
    (``digests.stories.lookup_keys``), oldest id first: the candidates a batch of new articles
    can be copies of. Signatures of another scheme version are left out, and so are the
    articles of chat-added sources: a story is only ever started by a curated source, so
    what a chat adds never changes the stories every other chat is shown."""
    wanted = sorted(set(keys))
    found: dict[int, Copy] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        rows = await session.execute(
            select(
                Article.id,
                Article.story_id,
                Article.source_id,
                Article.first_seen_at,
                Article.title,
                ArticleSignature.signature,
            )
            .select_from(StoryKey)
            .join(Article, Article.id == StoryKey.article_id)
            .join(Source, Source.id == Article.source_id)
            .outerjoin(ArticleSignature, ArticleSignature.article_id == Article.id)
            .where(
                StoryKey.key.in_(wanted[start : start + IN_CHUNK]),
                StoryKey.created_at >= since,
                Article.first_seen_at >= since,
                Article.story_id.is_not(None),
                public_source(),
            )
        )
        for article_id, story_id, source_id, seen_at, title, data in rows.all():
            if article_id in found or story_id is None:
                continue
            found[article_id] = Copy(
                article_id=article_id,
                story_id=story_id,
                source_id=source_id,
                seen_at=seen_at,
                sketch=decode_signature(bytes(data)) if data is not None else None,
                title=title_key(title),
            )
    return sorted(found.values(), key=lambda c: c.article_id)


async def save_keys(session: AsyncSession, keys: dict[int, list[int]], now: datetime) -> None:
    """Store each article's lookup keys (by article id), so later articles find it."""
    rows = [
        {"key": key, "article_id": article_id, "created_at": now}
        for article_id, article_keys in keys.items()
        for key in set(article_keys)
    ]
    for start in range(0, len(rows), _INSERT_CHUNK):
        await session.execute(insert(StoryKey), rows[start : start + _INSERT_CHUNK])


async def create_story(session: AsyncSession, article: NewArticle, now: datetime) -> int:
    """A new story whose first sighting is ``article``; returns its id."""
    story_id = await session.scalar(
        insert(Story)
        .values(
            first_article_id=article.id,
            first_source_id=article.source_id,
            first_seen_at=article.first_seen_at,
            first_published_at=article.published_at,
            title=article.title,
            article_count=1,
            updated_at=now,
        )
        .returning(Story.id)
    )
    assert story_id is not None  # RETURNING of an INSERT always yields the row
    return int(story_id)


async def add_to_story(
    session: AsyncSession, story_id: int, article: NewArticle, now: datetime
) -> bool:
    """Count ``article`` as one more copy of the story; False if the story is not there.

    The story keeps its first sighting; its first publication date becomes the earliest
    any copy claimed.
    """
    values: dict[str, object] = {"article_count": Story.article_count + 1, "updated_at": now}
    if article.published_at is not None:
        values["first_published_at"] = func.coalesce(
            func.min(Story.first_published_at, article.published_at)
            if session.get_bind().dialect.name == "sqlite"
            else func.least(Story.first_published_at, article.published_at),
            article.published_at,
        )
    result = await session.execute(update(Story).where(Story.id == story_id).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def story_exists(session: AsyncSession, story_id: int) -> bool:
    """Whether the story is there; a chat-added feed's copy joins a story this way, without
    counting in it (see :func:`copies_by_keys`)."""
    return await session.get(Story, story_id) is not None


async def set_stories(session: AsyncSession, assignments: dict[int, int]) -> None:
    """Set ``Article.story_id`` for each article id in ``assignments``."""
    if assignments:
        await session.execute(
            update(Article),
            [{"id": article_id, "story_id": story} for article_id, story in assignments.items()],
        )


async def save_signatures(
    session: AsyncSession, signatures: dict[int, bytes], now: datetime
) -> None:
    """Store encoded signatures by article id, so the index can be rebuilt after a restart."""
    if signatures:
        await session.execute(
            insert(ArticleSignature),
            [
                {"article_id": article_id, "signature": data, "created_at": now}
                for article_id, data in signatures.items()
            ],
        )


async def story_facts(session: AsyncSession, story_ids: Collection[int]) -> dict[int, StoryFacts]:
    """First sighting and first source of each story, and the distinct sources that carry it:
    of its whole event when it has one (other outlets' own write-ups), else of its copies.
    Three queries at most.

    The sources are curated ones: a chat-added feed is never named to other chats.
    """
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    first_source = Source.__table__.alias("first_source")
    rows = await session.execute(
        select(
            Story.id,
            Story.first_seen_at,
            Story.first_published_at,
            first_source.c.name,
            Story.event_id,
        )
        .outerjoin(first_source, first_source.c.id == Story.first_source_id)
        .where(Story.id.in_(ids))
    )
    heads = {row[0]: row for row in rows.all()}
    alone = [story_id for story_id, *_, event_id in heads.values() if event_id is None]
    events = sorted({event_id for *_, event_id in heads.values() if event_id is not None})
    # An empty IN () is no shortcut: SQLite walks the articles to find it false (105 ms at a
    # million articles).
    names = (
        await _carried_by(session, Article.story_id, Article.story_id.in_(alone)) if alone else {}
    )
    if events:
        by_event = await _carried_by(session, Story.event_id, Story.event_id.in_(events))
        for story_id, *_, event_id in heads.values():
            if event_id is not None:
                names[story_id] = by_event.get(event_id, [])
    return {
        story_id: StoryFacts(
            story_id=story_id,
            first_seen_at=seen,
            first_published_at=published,
            first_source=source,
            sources=tuple(names.get(story_id, ())),
            event_id=event_id,
        )
        for story_id, seen, published, source, event_id in heads.values()
    }


async def _carried_by(
    session: AsyncSession, group: Any, where: ColumnElement[bool]
) -> dict[int, list[str]]:
    """The distinct source names of the articles in each ``group`` (a story or an event id),
    earliest first."""
    first = func.min(Article.first_seen_at)
    rows = await session.execute(
        select(group, Source.name, first)
        .select_from(Article)
        .join(Source, Source.id == Article.source_id)
        .join(Story, Story.id == Article.story_id)
        .where(where, public_source())
        .group_by(group, Source.name)
        .order_by(group, first, Source.name)
    )
    names: dict[int, list[str]] = {}
    for key, name, _first in rows.all():
        if key is not None:
            names.setdefault(int(key), []).append(name)
    return names


def story_first_seen() -> ColumnElement[datetime]:
    """When an article's story was first seen: the story's first sighting, else the article's.

    Use with ``.outerjoin(Story, Story.id == Article.story_id)`` in the same select.
    """
    return func.coalesce(Story.first_seen_at, Article.first_seen_at)


def is_new_story(after: datetime, upto: datetime | None = None) -> ColumnElement[bool]:
    """An article is news in the window (``after``, ``upto``] only if its story was first seen
    in it: republished and late copies of an older story are not new again.

    Use with ``.outerjoin(Story, Story.id == Article.story_id)`` in the same select.
    """
    seen = story_first_seen()
    if upto is None:
        return seen > after
    return and_(seen > after, seen <= upto)


def unclustered_or_new(after: datetime) -> ColumnElement[bool]:
    """Same as :func:`is_new_story` without a join, for a WHERE clause on ``Article`` alone."""
    newer = select(Story.id).where(Story.id == Article.story_id, Story.first_seen_at > after)
    return or_(Article.story_id.is_(None), newer.exists())
