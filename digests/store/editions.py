"""SQL for digest editions: due chats, candidate matches, article texts, editions, reschedules.

Plain functions that take the session first and never commit: the tick owns the unit of work,
so a batch's editions, outbox rows and new ``next_digest_at`` values commit together.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, type_coerce, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from digests.assembly import Candidate
from digests.models import (
    Article,
    ArticleTopic,
    Chat,
    DigestEdition,
    Source,
    Story,
    Subscription,
    Topic,
)
from digests.store.bulk import BulkTable
from digests.store.grouped import IN_CHUNK, ids_by_key
from digests.store.reading import readable_column
from digests.store.stories import story_first_seen
from digests.store.user_feeds import public_source


@dataclass(frozen=True, slots=True)
class ChatSchedule:
    """The columns of a chat that deciding and building its digest need."""

    id: int
    language: str
    timezone: str
    digest_times: str
    frequency: str
    weekly_day: int
    max_items: int
    notify_empty: bool
    last_digest_at: datetime | None
    next_digest_at: datetime | None
    created_at: datetime
    kind: str = "private"
    digest_thread_id: int | None = None  # the forum thread of the digest; None: General
    silent_digests: bool = False


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What a digest shows of an article."""

    title: str
    url: str
    source_name: str
    lead: str
    summary: str
    story_id: int | None = None
    readable: bool = False  # its full text is stored: the digest offers a Read button
    source_id: int = 0


@dataclass(frozen=True, slots=True)
class EditionRow:
    """One digest edition to record."""

    chat_id: int
    period: str
    slot_at: datetime
    items: int
    parts: int


@dataclass(frozen=True, slots=True)
class Reschedule:
    """A chat's new ``last_digest_at`` and ``next_digest_at``."""

    chat_id: int
    last_digest_at: datetime | None
    next_digest_at: datetime | None


_COLUMNS = (
    Chat.id,
    Chat.language,
    Chat.timezone,
    Chat.digest_times,
    Chat.frequency,
    Chat.weekly_day,
    Chat.max_items,
    Chat.notify_empty,
    Chat.last_digest_at,
    Chat.next_digest_at,
    Chat.created_at,
    Chat.kind,
    Chat.digest_thread_id,
    Chat.silent_digests,
)
_NAMES = [column.key for column in _COLUMNS]
_CHATS = cast(Table, Chat.__table__)


async def due_chats(session: AsyncSession, now: datetime, limit: int) -> list[ChatSchedule]:
    """Up to ``limit`` active chats whose digest is due at ``now`` or never scheduled.

    One statement over the ``next_digest_at`` index; each branch stops at ``limit`` rows, so
    the minute tick costs the same whether the table holds a thousand chats or a million.
    Chats with digests off are never returned.
    """
    wanted = (Chat.active.is_(True), Chat.frequency != "off")
    # Raw columns, converted by BulkTable: 100,000 rows share a few timestamps.
    raw = [type_coerce(column, NullType()).label(column.key) for column in _COLUMNS]
    unscheduled = select(*raw).where(Chat.next_digest_at.is_(None), *wanted).limit(limit)
    due = (
        select(*raw)
        .where(Chat.next_digest_at <= now, *wanted)
        .order_by(Chat.next_digest_at)
        .limit(limit)
    )
    both = union_all(unscheduled.subquery().select(), due.subquery().select()).subquery()
    connection = await session.connection()
    rows = await connection.execute(select(both).limit(limit))
    bulk = BulkTable(_CHATS, _NAMES, connection.dialect)
    return [ChatSchedule(**row) for row in bulk.results(rows.all())]


async def chat_schedule(session: AsyncSession, chat_id: int) -> ChatSchedule | None:
    """One chat's schedule columns, or None if the chat never talked to the bot."""
    row = (await session.execute(select(*_COLUMNS).where(Chat.id == chat_id))).first()
    return None if row is None else _schedule(row)


def _schedule(row: Any) -> ChatSchedule:
    return ChatSchedule(*row)


async def followed_topics(
    session: AsyncSession, chat_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """The topic ids each chat follows (chats that follow nothing are left out)."""
    found = await ids_by_key(session, Subscription.chat_id, Subscription.topic_id, chat_ids)
    return {chat_id: frozenset(topics) for chat_id, topics in found.items()}


async def topic_names(session: AsyncSession) -> dict[int, str]:
    """Every topic's display name by id (a bot has hundreds of topics, not millions)."""
    rows = await session.execute(select(Topic.id, Topic.name))
    return {topic_id: name for topic_id, name in rows.all()}


async def personal_topic_ids(session: AsyncSession) -> set[int]:
    """Ids of the chats' own keyword topics (their items say which keywords matched)."""
    rows = await session.execute(select(Topic.id).where(Topic.owner_chat_id.is_not(None)))
    return set(rows.scalars())


async def matched_keywords(
    session: AsyncSession, pairs: Collection[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """The keywords each (article, topic) match was made by, e.g. "hasakah prison, isis"."""
    found: dict[tuple[int, int], str] = {}
    articles = sorted({article_id for article_id, _ in pairs})
    topics = sorted({topic_id for _, topic_id in pairs})
    for start in range(0, len(articles), IN_CHUNK):
        rows = await session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic_id, ArticleTopic.matched).where(
                ArticleTopic.article_id.in_(articles[start : start + IN_CHUNK]),
                ArticleTopic.topic_id.in_(topics),
            )
        )
        for article_id, topic_id, matched in rows.all():
            if (article_id, topic_id) in pairs:
                found[(article_id, topic_id)] = matched
    return found


async def candidates(session: AsyncSession, after: datetime, upto: datetime) -> list[Candidate]:
    """Every topic match of the articles first seen after ``after`` and at or before ``upto``.

    ``sources`` is how many stored articles of curated sources report the article's event, or
    share its story when it has no event (1 when it has neither): chats' own feeds do not
    change how curated stories rank. ``first_seen_at`` is when the article's *story* was
    first seen, so a republished or late copy of an older story falls outside the chat's
    window and is not sent as new.
    """
    rows = (
        await session.execute(
            select(
                ArticleTopic.article_id,
                ArticleTopic.topic_id,
                ArticleTopic.strength,
                ArticleTopic.sort_at,
                story_first_seen(),
                Article.story_id,
                Story.event_id,
                Article.source_id,
            )
            .join(Article, Article.id == ArticleTopic.article_id)
            .outerjoin(Story, Story.id == Article.story_id)
            .where(Article.first_seen_at > after, Article.first_seen_at <= upto)
        )
    ).all()
    stories = sorted({row[5] for row in rows if row[5] is not None and row[6] is None})
    events = sorted({row[6] for row in rows if row[6] is not None})
    sizes = await _sizes(session, Article.story_id, stories)
    event_sizes = await _sizes(session, Story.event_id, events)
    return [
        Candidate(
            article_id=article_id,
            topic_id=topic_id,
            strength=strength,
            sort_at=sort_at,
            first_seen_at=first_seen_at,
            story_id=story_id,
            sources=(
                event_sizes.get(event_id, 1)
                if event_id is not None
                else sizes.get(story_id, 1)
                if story_id is not None
                else 1
            ),
            event_id=event_id,
            source_id=source_id,
        )
        for (
            article_id,
            topic_id,
            strength,
            sort_at,
            first_seen_at,
            story_id,
            event_id,
            source_id,
        ) in rows
    ]


async def _sizes(session: AsyncSession, group: Any, ids: list[int]) -> dict[int, int]:
    """How many articles of curated sources each story or event (``group``: the column) of
    ``ids`` has."""
    sizes: dict[int, int] = {}
    for start in range(0, len(ids), IN_CHUNK):
        counted = await session.execute(
            select(group, func.count())
            .select_from(Article)
            .join(Story, Story.id == Article.story_id)
            .join(Source, Source.id == Article.source_id)
            .where(group.in_(ids[start : start + IN_CHUNK]), public_source())
            .group_by(group)
        )
        sizes.update({int(key): int(n) for key, n in counted.all() if key is not None})
    return sizes


async def article_texts(
    session: AsyncSession, article_ids: Collection[int]
) -> dict[int, ArticleText]:
    """Title, link, source name, lead, summary and readability of the given articles."""
    found: dict[int, ArticleText] = {}
    ids = sorted(article_ids)
    for start in range(0, len(ids), IN_CHUNK):
        rows = await session.execute(
            select(
                Article.id,
                Article.title,
                Article.url,
                Source.name,
                Article.lead,
                Article.summary,
                Article.story_id,
                readable_column(),
                Article.source_id,
            )
            .join(Source, Source.id == Article.source_id)
            .where(Article.id.in_(ids[start : start + IN_CHUNK]))
        )
        for (
            article_id,
            title,
            url,
            name,
            lead,
            summary,
            story_id,
            readable,
            source_id,
        ) in rows.all():
            found[article_id] = ArticleText(
                title, url, name, lead or "", summary or "", story_id, bool(readable), source_id
            )
    return found


async def record_editions(
    session: AsyncSession, editions: Sequence[EditionRow], now: datetime
) -> set[int]:
    """Insert editions; one per chat and period. Returns the chat ids whose row is new.

    A chat that already has an edition for the period (its digest time was moved later on a
    day it had its digest) gets no second one.
    """
    if not editions:
        return set()
    taken: set[tuple[int, str]] = set()
    for start in range(0, len(editions), IN_CHUNK):
        chunk = editions[start : start + IN_CHUNK]
        rows = await session.execute(
            select(DigestEdition.chat_id, DigestEdition.period).where(
                DigestEdition.chat_id.in_([e.chat_id for e in chunk]),
                DigestEdition.period.in_({e.period for e in chunk}),
            )
        )
        taken.update((chat_id, period) for chat_id, period in rows.all())
    fresh = [e for e in editions if (e.chat_id, e.period) not in taken]
    if fresh:
        # executemany of one compiled statement: a multi-row VALUES list is compiled anew
        # for every batch, which cost more than the inserts themselves (measured, bench/);
        # BulkTable converts the two shared timestamps once, not per row.
        connection = await session.connection()
        values: list[dict[str, Any]] = [
            {
                "chat_id": e.chat_id,
                "period": e.period,
                "slot_at": e.slot_at,
                "items": e.items,
                "parts": e.parts,
                "created_at": now,
            }
            for e in fresh
        ]
        bulk = BulkTable(cast(Table, DigestEdition.__table__), values[0], connection.dialect)
        await connection.execute(insert(bulk.table), bulk.rows(values))
    return {e.chat_id for e in fresh}


async def reschedule(session: AsyncSession, changes: Sequence[Reschedule]) -> None:
    """Store each chat's new last and next digest times (one executemany)."""
    if not changes:
        return
    connection = await session.connection()
    bulk = BulkTable(_CHATS, ["id", "last_digest_at", "next_digest_at"], connection.dialect)
    target = bulk.table
    # No SET clause: it is taken from the parameters named like columns (all but ``chat_id``).
    statement = update(target).where(target.c.id == bindparam("chat_id"))
    rows = [
        {
            "chat_id": c.chat_id,
            "last_digest_at": c.last_digest_at,
            "next_digest_at": c.next_digest_at,
        }
        for c in changes
    ]
    await connection.execute(statement, bulk.rows(rows))
