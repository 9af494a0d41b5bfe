"""Who may run now: one handler at a time per chat, a bounded number doing work in all.

Each chat has a lane: its updates are handled one after another, in the order they came, so a
chat that floods the bot waits behind itself and never holds more than one of the ``workers``
work slots everyone shares. A handler gives its work slot back while it only waits, for
Telegram's send slot to its chat (:func:`waiting`, used by the reply helper): a chat waiting for
its one-message-a-second turn then never delays another chat's reply.

Memory is bounded by what the caller admits: :meth:`Lanes.crowded` says when a chat already has
``queue`` updates waiting, and a lane is dropped as soon as nothing runs or waits in it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass

WORKERS = 16  # about the database pool's size: more would only wait for a connection there
QUEUE = 8


class _WorkSlot:
    """One of the shared work slots, held by the handler running in this task."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def acquire(self) -> None:
        await self._slots.acquire()
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


_CURRENT: ContextVar[_WorkSlot | None] = ContextVar("newsbot_work_slot", default=None)


@dataclass
class _Lane:
    running: asyncio.Semaphore
    users: int = 0  # running or waiting to run


class Lanes:
    """Per-chat lanes over a shared pool of work slots."""

    def __init__(self, *, per_chat: int = 1, workers: int = WORKERS, queue: int = QUEUE) -> None:
        if per_chat < 1 or workers < 1 or queue < 0:
            raise ValueError("per_chat and workers must be positive, queue not negative")
        self._per_chat = per_chat
        self._queue = queue
        self._work = asyncio.Semaphore(workers)
        self._lanes: dict[int, _Lane] = {}

    @property
    def chats(self) -> int:
        """How many chats have something running or waiting."""
        return len(self._lanes)

    def crowded(self, chat_id: int) -> bool:
        """True when this chat already has as many updates waiting as it may."""
        lane = self._lanes.get(chat_id)
        return lane is not None and lane.users >= self._per_chat + self._queue

    @contextlib.asynccontextmanager
    async def run(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for the chat's turn and a work slot; hold both for the block."""
        lane = self._lanes.get(chat_id)
        if lane is None:
            lane = self._lanes[chat_id] = _Lane(asyncio.Semaphore(self._per_chat))
        lane.users += 1
        try:
            async with lane.running:
                slot = _WorkSlot(self._work)
                await slot.acquire()
                token = _CURRENT.set(slot)
                try:
                    yield
                finally:
                    _CURRENT.reset(token)
                    slot.release()
        finally:
            lane.users -= 1
            if lane.users == 0:
                del self._lanes[chat_id]


@contextlib.asynccontextmanager
async def waiting() -> AsyncIterator[None]:
    """Give this handler's work slot back for the block (a wait that is not work), then retake it.

    Outside a lane (jobs, tests that call handlers directly) it does nothing.
    """
    slot = _CURRENT.get()
    if slot is None or not slot.held:
        yield
        return
    slot.release()
    try:
        yield
    finally:
        await slot.acquire()
