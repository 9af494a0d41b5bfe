"""SQL for chats' own feeds: who added which source, their feed topics, what they may see,
and the hosts chats may not add feeds from.

A source a chat added with /addfeed has ``origin = 'user'``; each chat that added a source
(user or curated) has a ``source_owners`` row naming its feed topic, a topic the chat owns
that every article of the source matches. Articles of a user source are offered only to its
owners: :func:`keep_visible` drops their matches with anyone else's topics before they are
stored, and stories and "also carried by" lists leave user sources out
(``digests.store.stories``).

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import (
    Article,
    ArticleSignature,
    ArticleTopic,
    BlockedHost,
    Source,
    SourceOwner,
    StoryKey,
    Topic,
)
from digests.store.grouped import IN_CHUNK, ids_by_key
from digests.types import NewArticle, OwnedFeed

USER = "user"
ADMIN = "admin"
# What a curated source's copy gives an article it takes over from a chat's feed (adopt).
_ADOPTED = (
    "guid",
    "title",
    "summary",
    "text",
    "lead",
    "language",
    "published_at",
    "first_seen_at",
    "sort_at",
)


def not_a_feed_topic() -> ColumnElement[bool]:
    """A WHERE clause keeping topics that are not feed topics (keyword and curated topics)."""
    return Topic.id.not_in(select(SourceOwner.topic_id))


def public_source() -> ColumnElement[bool]:
    """A WHERE clause on ``Source`` keeping curated sources: what every chat may be shown."""
    return Source.origin != USER


def host_of(url: str) -> str:
    """The lowercased host name of ``url`` ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_matches(host: str, blocked: str) -> bool:
    """Whether ``host`` is ``blocked`` or one of its subdomains."""
    return host == blocked or host.endswith("." + blocked)


async def user_only_ids(session: AsyncSession, source_ids: Collection[int]) -> set[int]:
    """Those of ``source_ids`` that chats added (their articles reach only the owners)."""
    ids = sorted(set(source_ids))
    if not ids:
        return set()
    rows = await session.execute(select(Source.id).where(Source.id.in_(ids), Source.origin == USER))
    return set(rows.scalars())


async def owners_of(session: AsyncSession, source_ids: Collection[int]) -> dict[int, set[int]]:
    """The chats that added each source (sources nobody added are left out)."""
    return await ids_by_key(session, SourceOwner.source_id, SourceOwner.chat_id, set(source_ids))


async def owner_counts(session: AsyncSession) -> dict[int, int]:
    """How many chats added each source."""
    rows = await session.execute(
        select(SourceOwner.source_id, func.count()).group_by(SourceOwner.source_id)
    )
    return {source_id: int(n) for source_id, n in rows.all()}


async def feed_topics(session: AsyncSession, source_ids: Collection[int]) -> dict[int, list[int]]:
    """The feed topics of each source: one per chat that added it."""
    ids = sorted(set(source_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(SourceOwner.source_id, SourceOwner.topic_id).where(SourceOwner.source_id.in_(ids))
    )
    found: dict[int, list[int]] = {}
    for source_id, topic_id in rows.all():
        found.setdefault(source_id, []).append(topic_id)
    return found


async def chat_feeds(session: AsyncSession, chat_id: int) -> list[OwnedFeed]:
    """The chat's feeds, in the order it added them."""
    rows = await session.execute(
        select(
            Source.id,
            Source.name,
            Source.url,
            Source.paused,
            Source.last_error,
            SourceOwner.topic_id,
        )
        .join(SourceOwner, SourceOwner.source_id == Source.id)
        .where(SourceOwner.chat_id == chat_id)
        .order_by(SourceOwner.created_at, Source.id)
    )
    return [OwnedFeed(*row) for row in rows.all()]


async def find_feed_topic(session: AsyncSession, chat_id: int, name: str) -> Topic | None:
    """The chat's feed topic named ``name`` (any case, as topic names compare), or None."""
    wanted = " ".join(name.split()).casefold()
    rows = await session.scalars(
        select(Topic)
        .join(SourceOwner, SourceOwner.topic_id == Topic.id)
        .where(SourceOwner.chat_id == chat_id)
        .order_by(SourceOwner.created_at)
    )
    return next((t for t in rows if " ".join(t.name.split()).casefold() == wanted), None)


async def count_chat_feeds(session: AsyncSession, chat_id: int) -> int:
    """How many feeds the chat has added."""
    count = await session.scalar(
        select(func.count()).select_from(SourceOwner).where(SourceOwner.chat_id == chat_id)
    )
    return int(count or 0)


async def count_user_sources(session: AsyncSession) -> int:
    """How many sources chats added, in all."""
    count = await session.scalar(
        select(func.count()).select_from(Source).where(Source.origin == USER)
    )
    return int(count or 0)


async def owner_row(session: AsyncSession, source_id: int, chat_id: int) -> SourceOwner | None:
    """The chat's ownership of the source, or None."""
    return await session.get(SourceOwner, (source_id, chat_id))


async def add_owner(
    session: AsyncSession, *, source_id: int, chat_id: int, topic_id: int, now: datetime
) -> None:
    """Record that the chat added the source, with its feed topic."""
    session.add(
        SourceOwner(source_id=source_id, chat_id=chat_id, topic_id=topic_id, created_at=now)
    )
    await session.flush()


async def delete_orphans(session: AsyncSession) -> list[str]:
    """Delete the user sources no chat has any more (with their articles); their names.

    What nobody may be shown is not fetched: a user source lives as long as one owner.
    """
    owned = select(SourceOwner.source_id)
    rows = await session.execute(
        select(Source.id, Source.name).where(Source.origin == USER, Source.id.not_in(owned))
    )
    found = rows.all()
    if found:
        await session.execute(delete(Source).where(Source.id.in_([row[0] for row in found])))
    return [name for _, name in found]


async def delete_feed_topics(session: AsyncSession, source_id: int) -> None:
    """Delete the feed topics of a source that is being removed (with their subscriptions)."""
    topics = select(SourceOwner.topic_id).where(SourceOwner.source_id == source_id)
    await session.execute(
        delete(Topic).where(Topic.id.in_(topics)).execution_options(synchronize_session=False)
    )


async def keep_visible(session: AsyncSession, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Article-topic match rows (``article_id``, ``topic_id``, ...) less those that would
    offer a user source's article to a chat that did not add the source.

    A user source's article may match only topics owned by its owners: their feed topics
    and their keyword topics; never a curated topic nor another chat's keyword topic.
    """
    if not rows:
        return rows
    article_ids = sorted({row["article_id"] for row in rows})
    restricted: dict[int, int] = {}
    for start in range(0, len(article_ids), IN_CHUNK):
        found = await session.execute(
            select(Article.id, Article.source_id)
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(article_ids[start : start + IN_CHUNK]), Source.origin == USER)
        )
        restricted.update({article_id: source_id for article_id, source_id in found.all()})
    if not restricted:
        return rows
    owners = await owners_of(session, set(restricted.values()))
    topic_ids = sorted({row["topic_id"] for row in rows if row["article_id"] in restricted})
    topic_owner: dict[int, int | None] = {}
    for start in range(0, len(topic_ids), IN_CHUNK):
        found = await session.execute(
            select(Topic.id, Topic.owner_chat_id).where(
                Topic.id.in_(topic_ids[start : start + IN_CHUNK])
            )
        )
        topic_owner.update({topic_id: owner for topic_id, owner in found.all()})
    return [
        row
        for row in rows
        if row["article_id"] not in restricted
        or topic_owner.get(row["topic_id"]) in owners.get(restricted[row["article_id"]], ())
    ]


async def is_curated(session: AsyncSession, source_id: int) -> bool:
    """Whether the source is curated (not added by chats)."""
    origin = await session.scalar(select(Source.origin).where(Source.id == source_id))
    return origin is not None and origin != USER


def new_article(article_id: int, source_id: int, row: Mapping[str, Any]) -> NewArticle:
    """The stored values of an article row as the steps after storing read them."""
    return NewArticle(
        id=article_id,
        source_id=source_id,
        url=row["url"],
        title=row["title"],
        summary=row["summary"],
        text=row["text"],
        published_at=row["published_at"],
        first_seen_at=row["first_seen_at"],
        sort_at=row["sort_at"],
        language=row["language"],
    )


async def adopt(
    session: AsyncSession,
    source_id: int,
    rows: Sequence[Mapping[str, Any]],
    ids: Mapping[str, int],
) -> list[NewArticle]:
    """Give the curated source ``source_id`` the articles (article rows by URL; ``ids``: their
    ids by URL) that only chats' own feeds had stored; returns them as new articles.

    Article URLs are unique, so without this a chat's feed that stored a link first would
    hide it from every other chat. What was derived while the article was private (its
    story, signature, lookup keys, its matches but those of feed topics) is forgotten: the
    steps after storing file it again, as they file any new article of the source.
    """
    if not rows:
        return []
    article_ids = [ids[row["url"]] for row in rows]
    feed_topic_ids = select(SourceOwner.topic_id)
    await session.execute(
        delete(ArticleTopic)
        .where(
            ArticleTopic.article_id.in_(article_ids), ArticleTopic.topic_id.not_in(feed_topic_ids)
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ArticleSignature).where(ArticleSignature.article_id.in_(article_ids))
    )
    await session.execute(delete(StoryKey).where(StoryKey.article_id.in_(article_ids)))
    adopted = []
    for row in rows:
        article_id = ids[row["url"]]
        await session.execute(
            update(Article)
            .where(Article.id == article_id)
            .values(source_id=source_id, story_id=None, **{k: row[k] for k in _ADOPTED})
            .execution_options(synchronize_session=False)
        )
        adopted.append(new_article(article_id, source_id, row))
    return adopted


async def articles_since(
    session: AsyncSession, source_id: int, since: datetime
) -> list[tuple[int, datetime]]:
    """(id, sort_at) of the source's articles first seen at or after ``since``."""
    rows = await session.execute(
        select(Article.id, Article.sort_at).where(
            Article.source_id == source_id, Article.first_seen_at >= since
        )
    )
    return [(article_id, sort_at) for article_id, sort_at in rows.all()]


# Blocked hosts ---------------------------------------------------------------------------


async def blocked_hosts(session: AsyncSession) -> list[str]:
    """Every blocked host, sorted."""
    rows = await session.execute(select(BlockedHost.host).order_by(BlockedHost.host))
    return list(rows.scalars())


async def blocking(session: AsyncSession, host: str) -> str | None:
    """The blocked host that covers ``host`` (itself or a parent domain), or None."""
    host = host.lower().rstrip(".")
    if not host:
        return None
    for blocked in await blocked_hosts(session):
        if host_matches(host, blocked):
            return blocked
    return None


async def block_host(session: AsyncSession, host: str, *, by: int | None, now: datetime) -> bool:
    """Block ``host``; False if it was blocked already."""
    if await session.get(BlockedHost, host) is not None:
        return False
    session.add(BlockedHost(host=host, blocked_by=by, created_at=now))
    await session.flush()
    return True


async def unblock_host(session: AsyncSession, host: str) -> bool:
    """Unblock ``host``; False if it was not blocked."""
    result = await session.execute(delete(BlockedHost).where(BlockedHost.host == host))
    return bool(getattr(result, "rowcount", 0))


async def user_sources_of_host(session: AsyncSession, host: str) -> list[int]:
    """Ids of the user sources on ``host`` or its subdomains (compared on the stored URLs)."""
    rows = await session.execute(select(Source.id, Source.url).where(Source.origin == USER))
    return [source_id for source_id, url in rows.all() if host_matches(host_of(url), host)]


async def set_sources_paused(
    session: AsyncSession, source_ids: Sequence[int], paused: bool
) -> None:
    """Pause (no fetches) or resume the given sources."""
    if source_ids:
        await session.execute(
            update(Source).where(Source.id.in_(list(source_ids))).values(paused=paused)
        )
