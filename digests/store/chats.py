"""SQL for chats: register, look up, activate and deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Chat
from digests.types import ChatRef


async def upsert_chat(
    session: AsyncSession,
    ref: ChatRef,
    *,
    default_timezone: str,
    default_digest_time: str,
    now: datetime,
) -> tuple[Chat, bool]:
    """Create the chat with default settings, or refresh its title and reactivate it.

    Returns the row and whether it was created. A chat's first updates arrive together and
    are handled at once, so two units of work may both find no row: the one whose insert
    loses the race reads the winner's row instead.
    """
    chat = await session.get(Chat, ref.id)
    if chat is None:
        new = Chat(
            id=ref.id,
            kind=ref.kind.value,
            title=ref.title[:256],
            language=ref.language or "en",
            timezone=default_timezone,
            digest_times=default_digest_time,
            frequency="daily",
            weekly_day=0,
            max_items=10,
            notify_empty=False,
            active=True,
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(new)
                await session.flush()
            return new, True
        except IntegrityError:
            chat = await session.get(Chat, ref.id, populate_existing=True)
            if chat is None:  # pragma: no cover - the winner's row was deleted since
                raise
    chat.kind = ref.kind.value
    if ref.title:
        chat.title = ref.title[:256]
    if not chat.active:
        chat.active = True
        chat.inactive_reason = None
    chat.updated_at = now
    return chat, False


async def get_chat(session: AsyncSession, chat_id: int) -> Chat | None:
    """The chat row, or None if the chat never talked to the bot."""
    return await session.get(Chat, chat_id)


async def set_inactive(session: AsyncSession, chat_id: int, reason: str, now: datetime) -> None:
    """Stop sending to a chat (blocked, kicked, deleted), keeping its settings."""
    await session.execute(
        update(Chat)
        .where(Chat.id == chat_id)
        .values(active=False, inactive_reason=reason[:256], updated_at=now)
    )


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and when a chat wants messages other than replies: its forum thread, its quiet
    hours (local ``HH:MM`` bounds) in its zone."""

    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    thread_id: int | None


async def placements(session: AsyncSession) -> dict[int, Placement]:
    """The active chats that have quiet hours or a forum thread for their news; the others
    (most) take messages in the chat itself, at any time."""
    rows = await session.execute(
        select(Chat.id, Chat.timezone, Chat.quiet_start, Chat.quiet_end, Chat.digest_thread_id)
        .where(Chat.active.is_(True))
        .where(or_(Chat.quiet_start.is_not(None), Chat.digest_thread_id.is_not(None)))
    )
    return {
        chat_id: Placement(zone, start, end, thread)
        for chat_id, zone, start, end, thread in rows.all()
    }


async def active_chat_ids(session: AsyncSession) -> list[int]:
    """Ids of every chat we still send to."""
    rows = await session.execute(select(Chat.id).where(Chat.active.is_(True)).order_by(Chat.id))
    return list(rows.scalars())
