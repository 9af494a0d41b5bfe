"""SQL for broadcasts: the record of each one, its audience, and its outbox rows' fate.

Plain functions that take the session first and never commit: the caller owns the unit of work.
What a broadcast's progress is comes from its outbox rows (``outbox.broadcast_id``), so it is
right whoever sends them and survives any restart; the counts on the ``broadcasts`` row are
written once, when it finishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Broadcast, Chat, OutboxMessage, Subscription, Topic
from digests.store.outbox import Status

STOPPED_OUTCOME = "stopped by admin"


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    """A stored broadcast, as the use cases need it."""

    id: int
    admin_id: int
    text: str
    source_url: str | None
    audience: str
    topic_id: int | None
    recipients: int
    status: str
    sent: int
    failed: int
    blocked: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class RowCounts:
    """What became of a broadcast's outbox rows so far."""

    sent: int = 0
    failed: int = 0
    blocked: int = 0  # dropped because the chat blocked, left or was deleted
    stopped: int = 0  # dropped because an admin pressed Stop
    remaining: int = 0  # pending or in flight
    waiting: int = 0  # of those, held for the chats' quiet hours (pending, due later)


def _row(b: Broadcast) -> BroadcastRow:
    return BroadcastRow(
        id=b.id,
        admin_id=b.admin_id,
        text=b.text,
        source_url=b.source_url,
        audience=b.audience,
        topic_id=b.topic_id,
        recipients=b.recipients,
        status=b.status,
        sent=b.sent,
        failed=b.failed,
        blocked=b.blocked,
        progress_chat_id=b.progress_chat_id,
        progress_message_id=b.progress_message_id,
        created_at=b.created_at,
        finished_at=b.finished_at,
    )


async def active_chat_ids(session: AsyncSession) -> list[int]:
    """Every chat the bot still sends to, by id."""
    rows = await session.scalars(select(Chat.id).where(Chat.active.is_(True)).order_by(Chat.id))
    return list(rows)


async def follower_chat_ids(session: AsyncSession, topic_id: int) -> list[int]:
    """The active chats that follow the topic, by id."""
    rows = await session.scalars(
        select(Chat.id)
        .join(Subscription, Subscription.chat_id == Chat.id)
        .where(Subscription.topic_id == topic_id, Chat.active.is_(True))
        .order_by(Chat.id)
    )
    return list(rows)


async def count_active_chats(session: AsyncSession) -> int:
    """How many chats the bot still sends to."""
    query = select(func.count()).select_from(Chat).where(Chat.active.is_(True))
    found = await session.scalar(query)
    return int(found or 0)


async def count_followers(session: AsyncSession, topic_id: int) -> int:
    """How many active chats follow the topic."""
    found = await session.scalar(
        select(func.count())
        .select_from(Subscription)
        .join(Chat, Chat.id == Subscription.chat_id)
        .where(Subscription.topic_id == topic_id, Chat.active.is_(True))
    )
    return int(found or 0)


async def topic_name(session: AsyncSession, topic_id: int) -> str | None:
    """The name of a curated topic, or None if there is none with this id."""
    found = await session.scalar(
        select(Topic.name).where(Topic.id == topic_id, Topic.owner_chat_id.is_(None))
    )
    return found


async def create(
    session: AsyncSession,
    *,
    admin_id: int,
    text: str,
    source_url: str | None,
    audience: str,
    topic_id: int | None,
    recipients: int,
    progress_chat_id: int | None,
    now: datetime,
    urgent: bool = False,
) -> int:
    """Store a new broadcast (status ``queued``); returns its id."""
    broadcast = Broadcast(
        urgent=urgent,
        admin_id=admin_id,
        text=text,
        source_url=source_url,
        audience=audience,
        topic_id=topic_id,
        recipients=recipients,
        status="queued",
        sent=0,
        failed=0,
        blocked=0,
        progress_chat_id=progress_chat_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast.id


async def set_recipients(session: AsyncSession, broadcast_id: int, recipients: int) -> None:
    """Record how many chats the broadcast was queued for."""
    await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast_id).values(recipients=recipients)
    )


async def set_progress_message(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int
) -> None:
    """Remember the admin's progress message, so a restarted bot edits the same one."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_chat_id=chat_id, progress_message_id=message_id)
    )


async def get(session: AsyncSession, broadcast_id: int) -> BroadcastRow | None:
    """The broadcast, or None."""
    found = await session.get(Broadcast, broadcast_id)
    return None if found is None else _row(found)


async def unfinished(session: AsyncSession) -> list[BroadcastRow]:
    """Broadcasts still ``queued`` (being sent, or sent but not yet counted), oldest first."""
    rows = await session.scalars(
        select(Broadcast).where(Broadcast.status == "queued").order_by(Broadcast.id)
    )
    return [_row(b) for b in rows]


async def recent(session: AsyncSession, limit: int) -> list[BroadcastRow]:
    """The newest broadcasts first."""
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    return [_row(b) for b in rows]


async def row_counts(session: AsyncSession, broadcast_id: int, now: datetime) -> RowCounts:
    """Count the broadcast's outbox rows by what became of them (one indexed query); pending
    rows not due until after ``now`` (held for quiet hours) are also counted as waiting."""
    stopped = and_(OutboxMessage.status == Status.DROPPED, OutboxMessage.outcome == STOPPED_OUTCOME)
    later = and_(OutboxMessage.status == Status.PENDING, OutboxMessage.not_before > now)
    rows = await session.execute(
        select(OutboxMessage.status, stopped, later, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, stopped, later)
    )
    sent = failed = blocked = halted = remaining = waiting = 0
    for status, by_admin, held, count in rows:
        n = int(count)
        if held:
            waiting += n
        if status == Status.SENT:
            sent += n
        elif status == Status.FAILED:
            failed += n
        elif status == Status.DROPPED:
            if by_admin:
                halted += n
            else:
                blocked += n
        else:
            remaining += n
    return RowCounts(sent, failed, blocked, halted, remaining, waiting)


async def drop_pending(session: AsyncSession, broadcast_id: int) -> int:
    """Mark the broadcast's pending rows dropped ("stopped by admin"); returns how many.

    Rows a sender already claimed are in flight and finish as they would.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.status == Status.PENDING,
        )
        .values(status=Status.DROPPED.value, outcome=STOPPED_OUTCOME)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def finish(
    session: AsyncSession, broadcast_id: int, status: str, counts: RowCounts, now: datetime
) -> bool:
    """Write the final counts and status once; False if it was finished already."""
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "queued")
        .values(
            status=status,
            sent=counts.sent,
            failed=counts.failed,
            blocked=counts.blocked,
            finished_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
