"""Use case for the bot losing a chat (blocked, kicked, removed): stop sending to it."""

from __future__ import annotations

from datetime import datetime

from digests.db import Database
from digests.store import chats as chat_store
from digests.store import outbox


async def chat_gone(db: Database, chat_id: int, reason: str, *, now: datetime) -> int:
    """Mark the chat inactive (settings kept) and drop its unsent messages; returns how many.

    A chat that comes back is reactivated by ``subscriptions.register_chat``.
    """
    async with db.transaction() as session:
        await chat_store.set_inactive(session, chat_id, reason, now)
        return await outbox.drop_chat(session, chat_id, reason)
