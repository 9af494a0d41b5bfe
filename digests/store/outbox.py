"""SQL for the outbox: queue messages idempotently; claim, mark and count them for delivery."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import OutboxMessage


class Lane(enum.IntEnum):
    """Delivery priority: a lower lane always goes first."""

    REPLY = 0
    BROADCAST = 1
    DIGEST = 2


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


_BATCH = 1000


async def enqueue(session: AsyncSession, drafts: Sequence[OutboxDraft], now: datetime) -> int:
    """Queue ``drafts``; rows whose key is already queued are skipped. Returns rows added."""
    added = 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    for start in range(0, len(drafts), _BATCH):
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
                "not_before": now,
                "due_at": d.due_at,
                "created_at": now,
                "broadcast_id": d.broadcast_id,
            }
            for d in drafts[start : start + _BATCH]
        ]
        if dialect == "postgresql":
            statement: Any = pg_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
        else:
            statement = sqlite_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
        result = await session.execute(statement.values(rows).returning(OutboxMessage.id))
        added += len(result.all())
    return added
