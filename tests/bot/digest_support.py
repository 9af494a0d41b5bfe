"""Helpers for end-to-end tests that make a digest due, tick, and let the outbox sender send."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.sender import TelegramSender
from digests.delivery import Delivery
from digests.editions import TickReport, run_tick
from digests.models import Chat
from digests.pacing import Pacer
from digests.render import Renderer
from digests.timeutil import utcnow
from tests.bot.conftest import Harness

CATCH_UP = timedelta(hours=6)


async def digest_due(harness: Harness, chat_id: int, now: datetime) -> None:
    """Schedule the chat's daily digest five minutes before ``now`` (an old chat, never sent)."""
    slot = now - timedelta(minutes=5)
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        chat.timezone = "UTC"
        chat.digest_times = slot.strftime("%H:%M")
        chat.next_digest_at = slot
        chat.created_at = now - timedelta(days=3)


async def tick_and_send(harness: Harness, now: datetime) -> TickReport:
    """Queue what is due at ``now``, then send everything queued through the real sender.

    The sender's wall clock starts at ``now`` too, so a tick in the future is sent at once.
    """
    report = await run_tick(harness.db, Renderer(), now=now, catch_up=CATCH_UP)
    started = utcnow()
    delivery = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(200, private_interval=0.05),
        wall=lambda: now + (utcnow() - started),
    )
    await delivery.drain_once()
    return report
