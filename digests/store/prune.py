"""SQL for retention: remove (or empty) rows past their age, one small batch per call.

Plain functions that take the session first and never commit. Each batch function removes at
most ``limit`` rows older than ``before`` and returns a :class:`Batch`; the caller commits
between batches, so no statement holds a write lock for long. Each has a ``count_*`` twin
that says how many rows the batches would touch (``newsbot prune --dry-run``).

What is never touched: outbox rows still pending or in flight, broadcasts still being sent
(and their outbox rows), article rows themselves (their URL and guid keep a feed's old items
from coming back as new), stories (their first sighting gives "first reported DATE by
SOURCE") and topic matches.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import (
    Article,
    ArticleSignature,
    Broadcast,
    DigestEdition,
    EventKey,
    EventProfile,
    EventTerm,
    OutboxMessage,
    SentAlert,
    SentPerDay,
    StoryKey,
)
from digests.store import search, state
from digests.store.outbox import Status
from digests.store.stats import utc_day
from digests.timeutil import as_utc

# Where the article-text pass got to: "ISO instant|article id" of the last article emptied.
TEXT_PRUNED_UPTO = "retention.article_text_upto"

DONE = (Status.SENT.value, Status.DROPPED.value)
FAILED = (Status.FAILED.value,)


@dataclass(frozen=True, slots=True)
class Batch:
    """What one batch did: rows removed (or emptied), and whether more may be left."""

    removed: int
    more: bool


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def _not_in_running_broadcast() -> ColumnElement[bool]:
    # A broadcast still being sent counts its progress from its outbox rows.
    running = exists().where(
        Broadcast.id == OutboxMessage.broadcast_id, Broadcast.status == "queued"
    )
    return or_(OutboxMessage.broadcast_id.is_(None), ~running)


def _old_outbox(statuses: Collection[str], before: datetime) -> ColumnElement[bool]:
    # ``status || ''`` keeps the planner off the queue index: SQLite otherwise picks it for
    # ``status IN (...)`` and sorts a week of sent rows on every batch (6 s a batch at 100k
    # chats); through the created_at index a batch reads only the old rows it deletes.
    return and_(
        OutboxMessage.created_at < before,
        (OutboxMessage.status + "").in_(list(statuses)),
        _not_in_running_broadcast(),
    )


async def count_outbox(
    session: AsyncSession, before: datetime, *, statuses: Collection[str]
) -> int:
    """Outbox rows in ``statuses`` created before ``before`` that a prune would delete."""
    found = await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(_old_outbox(statuses, before))
    )
    return int(found or 0)


async def outbox_batch(
    session: AsyncSession, before: datetime, limit: int, *, statuses: Collection[str]
) -> Batch:
    """Delete up to ``limit`` outbox rows in ``statuses`` created before ``before``.

    Sent rows are first added to ``sent_per_day``, so the per-day chart keeps its history.
    """
    ids = list(
        await session.scalars(
            select(OutboxMessage.id)
            .where(_old_outbox(statuses, before))
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
    )
    if not ids:
        return Batch(0, False)
    if Status.SENT.value in statuses:
        await _fold_sent(session, ids)
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return Batch(_rowcount(result), len(ids) == limit)


async def _fold_sent(session: AsyncSession, ids: list[int]) -> None:
    day = utc_day(session, OutboxMessage.sent_at)
    rows = await session.execute(
        select(day, func.count())
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == Status.SENT.value)
        .where(OutboxMessage.sent_at.is_not(None))
        .group_by(day)
    )
    counts = [{"day": str(d), "messages": int(n)} for d, n in rows]
    if not counts:
        return
    insert: Any = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(SentPerDay)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["day"],
            set_={"messages": SentPerDay.messages + statement.excluded.messages},
        ),
        counts,
    )


@dataclass(frozen=True, slots=True)
class AgedRows:
    """Rows deleted whole once older than a cutoff: the table's key, the column that dates a
    row, and what else a row must satisfy to go (e.g. a broadcast must be finished)."""

    key: Any
    age: Any
    extra: Callable[[], ColumnElement[bool]] | None = None

    def older_than(self, before: datetime) -> ColumnElement[bool]:
        """The rows of this kind older than ``before``."""
        old = self.age < before
        return old if self.extra is None else and_(old, self.extra())


# Story signatures are only read back for the near-duplicate index's window.
SIGNATURES = AgedRows(ArticleSignature.article_id, ArticleSignature.created_at)
# So are the index's lookup keys. Every key of one ingest batch shares its created_at, so a
# batch goes by timestamps, through the created_at index (the table's key is (key, article)).
STORY_KEYS = AgedRows(StoryKey.created_at, StoryKey.created_at)
# Event grouping reads its profiles, keys and term counts back for two days only; they go
# by the time of their story (keys and term counts by timestamp, as story keys do).
EVENT_PROFILES = AgedRows(EventProfile.story_id, EventProfile.at)
EVENT_KEYS = AgedRows(EventKey.at, EventKey.at)
EVENT_TERMS = AgedRows(EventTerm.day, EventTerm.day)
EDITIONS = AgedRows(DigestEdition.id, DigestEdition.created_at)
# Sent alerts go with the editions: a digest never looks back further.
ALERTS = AgedRows(SentAlert.queued_at, SentAlert.queued_at)
BROADCASTS = AgedRows(Broadcast.id, Broadcast.created_at, lambda: Broadcast.status != "queued")


async def count_aged(session: AsyncSession, before: datetime, *, rows: AgedRows) -> int:
    """How many ``rows`` are older than ``before``."""
    found = await session.scalar(
        select(func.count()).select_from(rows.key.table).where(rows.older_than(before))
    )
    return int(found or 0)


async def delete_aged(
    session: AsyncSession, before: datetime, limit: int, *, rows: AgedRows
) -> Batch:
    """Delete up to ``limit`` of the oldest ``rows`` older than ``before``."""
    oldest = (
        select(rows.key).where(rows.older_than(before)).order_by(rows.age).limit(limit)
    ).scalar_subquery()
    result = await session.execute(
        delete(rows.key.table)
        .where(rows.key.in_(oldest))
        .execution_options(synchronize_session=False)
    )
    removed = _rowcount(result)
    return Batch(removed, removed >= limit)


async def _text_position(session: AsyncSession) -> tuple[datetime | None, int]:
    raw = await state.get_value(session, TEXT_PRUNED_UPTO)
    if not raw or "|" not in raw:
        return None, 0
    instant, _, article_id = raw.partition("|")
    try:
        return as_utc(datetime.fromisoformat(instant)), int(article_id)
    except ValueError:
        return None, 0


def _after(position: tuple[datetime | None, int]) -> ColumnElement[bool]:
    seen, article_id = position
    if seen is None:
        return Article.id > 0
    # The plain bound lets the first_seen_at index find the start; the row value orders ties.
    return and_(
        Article.first_seen_at >= seen,
        tuple_(Article.first_seen_at, Article.id) > (seen, article_id),
    )


def _has_text() -> ColumnElement[bool]:
    return or_(Article.text != "", Article.lead != "")


async def count_article_texts(session: AsyncSession, before: datetime) -> int:
    """Articles first seen before ``before`` that still have a full text or a lead."""
    after = _after(await _text_position(session))
    found = await session.scalar(
        select(func.count()).where(Article.first_seen_at < before, after, _has_text())
    )
    return int(found or 0)


async def article_texts_batch(
    session: AsyncSession, before: datetime, limit: int, now: datetime
) -> Batch:
    """Empty the full text and lead of up to ``limit`` articles first seen before ``before``.

    Articles are walked in (first seen, id) order from where the last batch stopped (kept in
    runtime state), so a batch never re-reads the articles emptied before it.
    """
    rows = (
        await session.execute(
            select(Article.id, Article.first_seen_at)
            .where(Article.first_seen_at < before, _after(await _text_position(session)))
            .order_by(Article.first_seen_at, Article.id)
            .limit(limit)
        )
    ).all()
    if not rows:
        return Batch(0, False)
    ids = [row.id for row in rows]
    emptied = list(
        await session.scalars(select(Article.id).where(Article.id.in_(ids), _has_text()))
    )
    result = await session.execute(
        update(Article)
        .where(Article.id.in_(emptied))
        .values(text="", lead="")
        .execution_options(synchronize_session=False)
    )
    # Search finds an article by what it still holds: its title and summary.
    await search.reindex_articles(session, emptied)
    last = rows[-1]
    await state.set_value(
        session, TEXT_PRUNED_UPTO, f"{as_utc(last.first_seen_at).isoformat()}|{last.id}", now
    )
    return Batch(_rowcount(result), len(rows) == limit)
