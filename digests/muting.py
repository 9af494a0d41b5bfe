"""Muting a source for a chat: its items stay out of the chat's digests and /latest."""

from __future__ import annotations

from datetime import datetime

from digests.db import Database
from digests.errors import NotFound
from digests.i18n import N_
from digests.settings import Settings
from digests.store import muted as store
from digests.subscriptions import ensure_chat
from digests.types import ChatRef

_GONE = N_("That source no longer exists.")


async def mute_source(
    db: Database, chat: ChatRef, source_id: int, settings: Settings, *, now: datetime
) -> str:
    """Mute the source for the chat (again is fine); returns its name.

    Raises NotFound when the source was removed since the button was made.
    """
    async with db.transaction() as session:
        await ensure_chat(session, chat, settings, now=now)
        name = await store.source_name(session, source_id)
        if name is None:
            raise NotFound(_GONE)
        await store.mute(session, chat.id, source_id, now)
    return name


async def unmute_source(db: Database, chat_id: int, source_id: int) -> str:
    """Let the source's items in again (if it was muted); returns its name.

    Raises NotFound when the source no longer exists.
    """
    async with db.transaction() as session:
        name = await store.source_name(session, source_id)
        if name is None:
            raise NotFound(_GONE)
        await store.unmute(session, chat_id, source_id)
    return name


async def muted_sources(db: Database, chat_id: int) -> list[tuple[int, str]]:
    """The chat's muted sources as (id, name), by name."""
    async with db.transaction() as session:
        return await store.muted_sources(session, chat_id)
