"""SQL for the outbox: queue messages idempotently; claim, mark and count them for delivery."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import OutboxMessage, UTCDateTime
from digests.ports import Button, ButtonAction
from digests.store.bulk import BulkTable


class Status(enum.StrEnum):
    """Where a row is in its life: pending → sending → sent | failed | dropped."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; it may or may not have reached Telegram
    SENT = "sent"
    FAILED = "failed"  # gave up: a permanent error, or too many transient ones
    DROPPED = "dropped"  # not sent on purpose: the chat blocked or removed the bot


class Lane(enum.IntEnum):
    """Delivery priority: a lower lane always goes first."""

    REPLY = 0
    BROADCAST = 1
    ALERT = 2  # a keyword topic's story sent at once (migration 0015 moved digests to 3)
    DIGEST = 3


@dataclass(frozen=True, slots=True)
class OutboxDraft:
    """A message to queue. ``key`` is unique: queuing the same key twice queues it once."""

    key: str
    chat_id: int
    lane: Lane
    text: str
    html: bool = True
    disable_preview: bool = True
    due_at: datetime | None = None
    broadcast_id: int | None = None
    thread_id: int | None = None  # a forum thread; None: the chat itself (General)
    silent: bool = False  # sent without a sound
    buttons: tuple[Button, ...] = ()
    # Held until then (the chat's quiet hours); None: as soon as it is queued.
    not_before: datetime | None = None


_BATCH = 1000


def _buttons_json(buttons: Sequence[Button]) -> str | None:
    if not buttons:
        return None
    return json.dumps([[b.label, b.action.value, b.value] for b in buttons], ensure_ascii=False)


def _buttons_of(stored: str | None) -> tuple[Button, ...]:
    """Buttons from the column; a row written by a newer version keeps the ones we know."""
    if not stored:
        return ()
    known = {a.value for a in ButtonAction}
    return tuple(
        Button(str(label), ButtonAction(action), int(value))
        for label, action, value in json.loads(stored)
        if action in known
    )


async def enqueue(session: AsyncSession, drafts: Sequence[OutboxDraft], now: datetime) -> int:
    """Queue ``drafts``; rows whose key is already queued are skipped. Returns rows added."""
    if not drafts:
        return 0
    # A tick's 100,000 rows share a few hundred keyboards: encode each once.
    keyboards: dict[tuple[Button, ...], str | None] = {}

    def encoded(buttons: tuple[Button, ...]) -> str | None:
        if buttons not in keyboards:
            keyboards[buttons] = _buttons_json(buttons)
        return keyboards[buttons]

    rows: list[dict[str, Any]] = [
        {
            "key": d.key,
            "chat_id": d.chat_id,
            "lane": int(d.lane),
            "text": d.text,
            "html": d.html,
            "disable_preview": d.disable_preview,
            "status": "pending",
            "attempts": 0,
            "not_before": d.not_before or now,
            "due_at": d.due_at,
            "created_at": now,
            "broadcast_id": d.broadcast_id,
            "message_thread_id": d.thread_id,
            "silent": d.silent,
            "buttons": encoded(d.buttons),
        }
        for d in drafts
    ]
    connection = await session.connection()
    dialect = connection.dialect
    insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
    # One statement executed with many parameter sets: SQLAlchemy batches it ("insertmanyvalues")
    # without compiling a new many-row statement per batch, which cost half of a 100k-chat tick.
    # The rows share three timestamps: BulkTable converts each once, not 360,000 times.
    bulk = BulkTable(cast(Table, OutboxMessage.__table__), [*rows[0], "id"], dialect)
    target = bulk.table
    statement = insert(target).on_conflict_do_nothing(index_elements=["key"])
    if dialect.name == "sqlite":
        # The driver's own executemany (C), which sums the rows it inserted; a RETURNING
        # statement is instead rewritten by SQLAlchemy into many-row VALUES (~2× slower here).
        result = await connection.execute(statement, bulk.rows(rows))
        return max(result.rowcount, 0)
    # asyncpg reports no count for executemany: count the returned ids.
    returned = await connection.execute(statement.returning(target.c.id), bulk.rows(rows))
    return len(returned.all())


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A claimed row, as the sender needs it: what to send, where, and how often it was tried."""

    id: int
    chat_id: int
    lane: Lane
    text: str
    html: bool
    disable_preview: bool
    attempts: int
    not_before: datetime
    # When it was due (a digest's slot) or, without one, queued: its lifetime counts from here.
    due_from: datetime
    thread_id: int | None = None
    silent: bool = False
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class Mark:
    """What became of one claimed row; ``status`` pending puts it back for ``not_before``."""

    id: int
    status: Status
    attempts: int
    outcome: str
    not_before: datetime
    sent_at: datetime | None = None
    message_id: int | None = None


_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.chat_id,
    OutboxMessage.lane,
    OutboxMessage.text,
    OutboxMessage.html,
    OutboxMessage.disable_preview,
    OutboxMessage.attempts,
    OutboxMessage.not_before,
    OutboxMessage.due_at,
    OutboxMessage.created_at,
    OutboxMessage.message_thread_id,
    OutboxMessage.silent,
    OutboxMessage.buttons,
)
_OUTCOME_LIMIT = 512


async def claim(
    session: AsyncSession,
    now: datetime,
    limit: int,
    *,
    below_lane: int | None = None,
    owner: str | None = None,
) -> list[QueuedMessage]:
    """Move up to ``limit`` due rows from pending to sending and return them in send order.

    Send order is (lane, not_before, id). On PostgreSQL the rows are locked with ``FOR UPDATE
    SKIP LOCKED``, so two senders claiming at once never get the same row; SQLite allows one
    writer at a time anyway. ``below_lane`` claims only lanes better than it (a top-up that
    must not pull in more of what is already queued in memory). ``owner`` names the sender
    in the rows, so a later sender knows whose claims it finds.
    """
    due = select(OutboxMessage.id).where(
        OutboxMessage.status == Status.PENDING, OutboxMessage.not_before <= now
    )
    if below_lane is not None:
        due = due.where(OutboxMessage.lane < below_lane)
    due = (
        due.order_by(OutboxMessage.lane, OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        return []
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(status=Status.SENDING.value, claimed_at=now, claimed_by=owner)
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    claimed = [
        QueuedMessage(
            id=row.id,
            chat_id=row.chat_id,
            lane=Lane(row.lane),
            text=row.text,
            html=row.html,
            disable_preview=row.disable_preview,
            attempts=row.attempts,
            not_before=row.not_before,
            due_from=row.due_at or row.created_at,
            thread_id=row.message_thread_id,
            silent=row.silent,
            buttons=_buttons_of(row.buttons),
        )
        for row in result
    ]
    claimed.sort(key=lambda m: (m.lane, m.not_before, m.id))
    return claimed


async def record(session: AsyncSession, marks: Sequence[Mark], *, owner: str | None = None) -> None:
    """Store what became of claimed rows, in one round trip per batch.

    With ``owner``, only rows still claimed by it change: a sender that lost its role cannot
    put back a row its successor has claimed again.
    """
    if not marks:
        return
    rows = [
        {
            "row_id": m.id,
            "new_status": m.status.value,
            "new_attempts": m.attempts,
            "new_outcome": m.outcome[:_OUTCOME_LIMIT],
            "new_not_before": m.not_before,
            "new_sent_at": m.sent_at,
            "new_message_id": m.message_id,
        }
        for m in marks
    ]
    # A Core executemany: the ORM's bulk update by primary key measured ~90 ms per 100 rows
    # of Python work on the event loop, which stalled sending.
    table = cast(Table, OutboxMessage.__table__)
    statement = update(table).where(table.c.id == bindparam("row_id"))
    if owner is not None:
        statement = statement.where(table.c.claimed_by == owner)
    statement = statement.values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        outcome=bindparam("new_outcome"),
        not_before=bindparam("new_not_before"),
        sent_at=bindparam("new_sent_at"),
        message_id=bindparam("new_message_id"),
    )
    connection = await session.connection()
    for start in range(0, len(rows), _BATCH):
        await connection.execute(statement, rows[start : start + _BATCH])


async def release_in_flight(session: AsyncSession, *, keep_owner: str | None = None) -> int:
    """Put rows left in sending by other senders back to pending; ``keep_owner``'s stay.

    Run by a sender when it takes the sender role: only one process holds it, so rows
    another owner left in sending were claimed by a process that died or lost the role, and
    each may or may not have reached Telegram. Returns how many: each is a possible duplicate.
    """
    statement = update(OutboxMessage).where(OutboxMessage.status == Status.SENDING)
    if keep_owner is not None:
        statement = statement.where(
            or_(OutboxMessage.claimed_by.is_(None), OutboxMessage.claimed_by != keep_owner)
        )
    result = await session.execute(
        statement.values(status=Status.PENDING.value).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def defer_chat(session: AsyncSession, chat_id: int, until: datetime) -> int:
    """Hold a chat's pending rows until ``until`` (its rate limit or a retry); returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == Status.PENDING,
            OutboxMessage.not_before < until,
        )
        .values(not_before=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unthread_chat(session: AsyncSession, chat_id: int, thread_id: int) -> int:
    """Send a chat's pending rows for ``thread_id`` (gone or closed) to General; how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.message_thread_id == thread_id,
            OutboxMessage.status == Status.PENDING,
        )
        .values(message_thread_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def drop_chat(session: AsyncSession, chat_id: int, reason: str) -> int:
    """Give up a chat's pending rows (it blocked or removed the bot); returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == Status.PENDING)
        .values(status=Status.DROPPED.value, outcome=reason[:_OUTCOME_LIMIT])
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def next_pending_at(session: AsyncSession) -> datetime | None:
    """When the earliest pending row becomes due, or None when nothing is pending."""
    found = await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == Status.PENDING)
    )
    return found


async def count_by_status(session: AsyncSession) -> dict[Status, int]:
    """How many rows are in each status (every status present, zero when none)."""
    counts = dict.fromkeys(Status, 0)
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    for status, count in rows:
        counts[Status(status)] = int(count)
    return counts


@dataclass(frozen=True, slots=True)
class LaneDepth:
    """Rows waiting in one lane (pending or in flight) and the oldest due pending row."""

    lane: Lane
    waiting: int
    oldest_due: datetime | None


async def depth(session: AsyncSession, now: datetime) -> list[LaneDepth]:
    """What waits in each lane: one range scan of ``ix_outbox_queue`` (cheap enough to scrape)."""
    due = case((OutboxMessage.not_before <= now, OutboxMessage.not_before))
    rows = await session.execute(
        select(
            OutboxMessage.lane,
            func.count(),
            type_coerce(
                func.min(case((OutboxMessage.status == Status.PENDING, due))), UTCDateTime()
            ),
        )
        .where(OutboxMessage.status.in_([Status.PENDING, Status.SENDING]))
        .group_by(OutboxMessage.lane)
    )
    return [LaneDepth(Lane(lane), int(count), oldest) for lane, count, oldest in rows]
