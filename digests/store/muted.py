"""SQL for muted sources: the sources a chat keeps out of its digests and /latest."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import MutedSource, Source
from digests.store.grouped import ids_by_key


async def muted_by_chat(
    session: AsyncSession, chat_ids: Collection[int]
) -> dict[int, frozenset[int]]:
    """For each chat that mutes anything: the ids of the sources it mutes."""
    found = await ids_by_key(session, MutedSource.chat_id, MutedSource.source_id, chat_ids)
    return {chat_id: frozenset(sources) for chat_id, sources in found.items()}


async def muted_sources(session: AsyncSession, chat_id: int) -> list[tuple[int, str]]:
    """The chat's muted sources as (id, name), by name."""
    rows = await session.execute(
        select(Source.id, Source.name)
        .join(MutedSource, MutedSource.source_id == Source.id)
        .where(MutedSource.chat_id == chat_id)
        .order_by(Source.name, Source.id)
    )
    return [(source_id, name) for source_id, name in rows.all()]


async def source_name(session: AsyncSession, source_id: int) -> str | None:
    """The source's name, or None when there is no such source (any more)."""
    return await session.scalar(select(Source.name).where(Source.id == source_id))


async def mute(session: AsyncSession, chat_id: int, source_id: int, now: datetime) -> bool:
    """Mute a source for a chat; False if it was muted already."""
    if await session.get(MutedSource, (chat_id, source_id)) is not None:
        return False
    session.add(MutedSource(chat_id=chat_id, source_id=source_id, created_at=now))
    await session.flush()
    return True


async def unmute(session: AsyncSession, chat_id: int, source_id: int) -> bool:
    """Let a source's items back into the chat's news; False if it was not muted."""
    result = await session.execute(
        delete(MutedSource).where(
            MutedSource.chat_id == chat_id, MutedSource.source_id == source_id
        )
    )
    return int(getattr(result, "rowcount", 0) or 0) > 0
