"""SQL for instant alerts: which new matches are owed as alerts, what was sent, the hourly cap.

Plain functions that take the session first and never commit: ingest queues alerts in the
transaction that stores the articles, so an alert exists exactly when its article does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import (
    Article,
    ArticleTopic,
    Chat,
    MutedSource,
    SentAlert,
    Source,
    Story,
    Subscription,
    Topic,
)

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class AlertMatch:
    """A new article that matched a chat's alert topic, with what the alert message shows."""

    chat_id: int
    topic_id: int
    topic_name: str
    matched: str  # the keywords that matched
    article_id: int
    story_id: int
    story_first_seen_at: datetime
    title: str
    url: str
    source_name: str
    lead: str
    summary: str
    sort_at: datetime
    article_language: str | None
    chat_language: str
    chat_languages: list[str] | None  # the news languages the chat wants; None: all
    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    thread_id: int | None  # the topic's forum thread, else the chat's digest thread
    last_digest_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One story sent to a chat as an alert."""

    chat_id: int
    story_id: int
    article_id: int
    topic_id: int


async def new_matches(session: AsyncSession, article_ids: Collection[int]) -> list[AlertMatch]:
    """Matches of these articles with alert topics whose chat is active, still follows the
    topic, has not muted the source and has not had the story as an alert; by article id."""
    found: list[AlertMatch] = []
    ids = sorted(article_ids)
    sent = exists().where(SentAlert.chat_id == Chat.id, SentAlert.story_id == Article.story_id)
    muted = exists().where(MutedSource.chat_id == Chat.id, MutedSource.source_id == Source.id)
    for start in range(0, len(ids), _IN_CHUNK):
        rows = await session.execute(
            select(
                Chat.id,
                Topic.id,
                Topic.name,
                ArticleTopic.matched,
                Article.id,
                Story.id,
                Story.first_seen_at,
                Article.title,
                Article.url,
                Source.name,
                Article.lead,
                Article.summary,
                Article.sort_at,
                Article.language,
                Chat.language,
                Chat.languages,
                Chat.timezone,
                Chat.quiet_start,
                Chat.quiet_end,
                func.coalesce(Subscription.thread_id, Chat.digest_thread_id),
                Chat.last_digest_at,
            )
            .join(Topic, and_(Topic.id == ArticleTopic.topic_id, Topic.alert.is_(True)))
            .join(Article, Article.id == ArticleTopic.article_id)
            .join(Story, Story.id == Article.story_id)
            .join(Source, Source.id == Article.source_id)
            .join(Chat, and_(Chat.id == Topic.owner_chat_id, Chat.active.is_(True)))
            .join(
                Subscription,
                and_(Subscription.chat_id == Chat.id, Subscription.topic_id == Topic.id),
            )
            .where(ArticleTopic.article_id.in_(ids[start : start + _IN_CHUNK]), ~sent, ~muted)
            .order_by(Article.id, Topic.id)
        )
        found.extend(AlertMatch(*tuple(row)) for row in rows.all())
    return found


async def lock_chats(session: AsyncSession, chat_ids: Collection[int]) -> None:
    """Take the chats' row locks (PostgreSQL), so two ingests in parallel count one chat's
    alerts of the last hour in turn and the cap holds. On SQLite the ingest transaction holds
    the database's write lock already (it has just stored the articles), which does the same;
    a caller that has written nothing yet would count before taking it."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql" or not chat_ids:
        return
    await session.execute(
        select(Chat.id).where(Chat.id.in_(sorted(chat_ids))).order_by(Chat.id).with_for_update()
    )


async def sent_since(
    session: AsyncSession, chat_ids: Collection[int], since: datetime
) -> dict[int, int]:
    """How many alerts each chat was sent after ``since`` (chats with none are left out)."""
    counts: dict[int, int] = {}
    ids = sorted(chat_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        rows = await session.execute(
            select(SentAlert.chat_id, func.count())
            .where(SentAlert.chat_id.in_(ids[start : start + _IN_CHUNK]))
            .where(SentAlert.queued_at > since)
            .group_by(SentAlert.chat_id)
        )
        counts.update({chat_id: int(n) for chat_id, n in rows.all()})
    return counts


async def record(session: AsyncSession, rows: Sequence[AlertRow], now: datetime) -> set[int]:
    """Record alerts; a (chat, story) recorded already (another process) is skipped.

    Returns the indexes into ``rows`` that were recorded now.
    """
    if not rows:
        return set()
    connection = await session.connection()
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    recorded: set[int] = set()
    for position, row in enumerate(rows):
        statement = (
            insert(cast(Table, SentAlert.__table__))
            .values(
                chat_id=row.chat_id,
                story_id=row.story_id,
                article_id=row.article_id,
                topic_id=row.topic_id,
                queued_at=now,
            )
            .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
        )
        result = await session.execute(statement)
        if getattr(result, "rowcount", 0):
            recorded.add(position)
    return recorded


async def alerted_stories(
    session: AsyncSession, chat_ids: Collection[int], since: datetime
) -> dict[int, frozenset[int]]:
    """The stories sent to each chat as alerts after ``since``: its digest leaves them out."""
    found: dict[int, set[int]] = {}
    ids = sorted(chat_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        rows = await session.execute(
            select(SentAlert.chat_id, SentAlert.story_id).where(
                SentAlert.chat_id.in_(ids[start : start + _IN_CHUNK]),
                SentAlert.queued_at > since,
            )
        )
        for chat_id, story_id in rows.all():
            found.setdefault(chat_id, set()).add(story_id)
    return {chat_id: frozenset(stories) for chat_id, stories in found.items()}


async def set_alert(session: AsyncSession, chat_id: int, topic_id: int, on: bool) -> bool:
    """Switch the chat's own keyword topic to an alert (or back); False if it owns no such."""
    result = await session.execute(
        update(Topic)
        .where(Topic.id == topic_id, Topic.owner_chat_id == chat_id)
        .values(alert=on)
        .execution_options(synchronize_session=False)
    )
    return bool(cast(Any, result).rowcount)
