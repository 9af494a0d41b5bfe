"""End to end: silent digests and quiet hours from /settings; broadcasts wait for a chat's
quiet hours to end unless the admin marks them urgent. The real bot, the test Bot API server,
a real outbox sender, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.handlers import broadcast as flow
from bot.sender import TelegramSender
from digests.delivery import Delivery
from digests.models import Chat, OutboxMessage
from digests.pacing import Pacer
from digests.timeutil import utcnow
from tests.bot.conftest import ADMIN_ID, Harness, button_data, button_labels
from tests.bot.digest_support import digest_due, tick_and_send
from tests.bot.test_broadcast_command import Sending, _start_sender, _to_preview
from tests.digests.test_editions import add_article, add_topics

QUIET = 30_001  # in its quiet hours during the test
AWAKE = 30_002  # no quiet hours


async def test_silent_digests_arrive_without_a_sound(harness: Harness) -> None:
    [syria] = await add_topics(harness.db, "Syria")
    welcome = await harness.send("/start")
    await harness.press(welcome, button_data(welcome, "Syria"))
    settings = await harness.send("/settings")
    assert "Sound: digests notify as usual" in (settings.text or "")
    answer = await harness.press(settings, button_data(settings, "Silent digests: off"))
    assert answer.params.get("text") == "Digests arrive without a sound"
    assert "Sound: digests arrive silently" in (harness.current(settings).text or "")
    assert "🔕 Silent digests: on" in button_labels(harness.current(settings))
    now = utcnow()
    await add_article(harness.db, "Border talks", now - timedelta(hours=1), {syria: 3})
    await digest_due(harness, 1001, now)

    await tick_and_send(harness, now)

    [digest] = [m for m in harness.server.messages(1001) if "Border talks" in (m.text or "")]
    assert digest.silent


async def test_quiet_hours_by_button_and_typed(harness: Harness) -> None:
    settings = await harness.send("/settings")
    assert "Quiet hours: none" in (settings.text or "")
    await harness.press(settings, button_data(settings, "Quiet hours: off"))
    view = harness.current(settings)
    assert button_labels(view)[:4] == ["21:00–06:00", "22:00–07:00", "23:00–07:00", "23:00–08:00"]
    answer = await harness.press(view, button_data(view, "22:00–07:00"))
    assert answer.params.get("text") == "Quiet hours 22:00–07:00"
    assert "Quiet hours: 22:00–07:00 (UTC)" in (harness.current(settings).text or "")

    await harness.press(settings, button_data(harness.current(settings), "Quiet hours 22:00"))
    await harness.press(settings, button_data(harness.current(settings), "Type hours"),
                        expect_edit=False)  # fmt: skip
    await harness.server.wait_for_call("sendMessage", chat_id=1001, count=2)
    prompt = harness.server.messages(1001)[-1]
    assert "Send the quiet hours as a start and an end" in (prompt.text or "")
    refused = await harness.send("soon")
    assert "a start and an end" in (refused.text or "")
    unclear = await harness.send("10pm-lunch")
    assert "lunch" in (unclear.text or "")
    done = await harness.send("23:30 - 6:15")
    assert "Quiet hours: 23:30–06:15 (UTC)" in (done.text or "")
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, 1001)
        assert chat is not None and (chat.quiet_start, chat.quiet_end) == ("23:30", "06:15")


async def _chats_with_quiet_hours(harness: Harness, now: datetime) -> datetime:
    """QUIET is in quiet hours from an hour ago to an hour from now (UTC); AWAKE has none.
    Returns when QUIET's quiet hours end."""
    for chat_id in (QUIET, AWAKE):
        await harness.send("/settings", chat_id=chat_id)
    start = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    end = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, QUIET)
        assert chat is not None
        chat.timezone = "UTC"
        chat.quiet_start, chat.quiet_end = f"{start:%H:%M}", f"{end:%H:%M}"
    return end


async def _broadcast(harness: Harness, *, urgent: bool) -> None:
    _, _, confirm = await _to_preview(harness, "<b>Dam breaks</b>", "All active chats")
    if urgent:
        await harness.press(confirm, button_data(confirm, "make urgent"), user_id=ADMIN_ID)
        confirm = harness.current(confirm)
        assert "🚨 Urgent: sent now, even in quiet hours" in button_labels(confirm)
        assert "Urgent: chats in their quiet hours get it now." in (confirm.text or "")
    else:
        assert "Chats in their quiet hours get it when those end." in (confirm.text or "")
    await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)


async def _progress_saying(harness: Harness, line: str) -> str:
    """The admin's progress message once it shows ``line`` (within 10 s)."""
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        texts = [m.text or "" for m in harness.server.messages(ADMIN_ID) if m.from_bot]
        found = [t for t in texts if t.startswith("📣 Broadcast #") and line in t]
        if found:
            return found[-1]
        assert asyncio.get_running_loop().time() < deadline, texts[-1:]
        await asyncio.sleep(0.1)


def _got_it(harness: Harness, chat_id: int) -> bool:
    return any("Dam breaks" in (m.text or "") for m in harness.server.messages(chat_id))


async def test_a_broadcast_waits_for_a_chats_quiet_hours_and_then_arrives(
    harness: Harness, sender: Sending
) -> None:
    now = utcnow()
    end = await _chats_with_quiet_hours(harness, now)
    mark = harness.server.mark()

    await _broadcast(harness, urgent=False)

    await harness.server.wait_for_call("sendMessage", chat_id=AWAKE, since=mark, timeout=10)
    async with harness.db.transaction() as session:
        held = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.chat_id == QUIET, OutboxMessage.lane == 1)
        )
    assert held is not None and held.status == "pending"
    assert held.not_before == end
    assert _got_it(harness, AWAKE) and not _got_it(harness, QUIET)
    progress = await _progress_saying(harness, "Waiting for the chats' quiet hours to end: 1")
    assert "Remaining: 1" in progress

    # When the quiet hours are over, the sender sends it.
    sender.stop.set()
    await sender.task
    after = end + timedelta(minutes=1)
    started = utcnow()
    late = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(100),
        wall=lambda: after + (utcnow() - started),
    )
    await late.drain_once()
    assert _got_it(harness, QUIET)


async def test_an_urgent_broadcast_goes_through_quiet_hours(
    harness: Harness, sender: Sending
) -> None:
    await _chats_with_quiet_hours(harness, utcnow())
    mark = harness.server.mark()

    await _broadcast(harness, urgent=True)

    await harness.server.wait_for_call("sendMessage", chat_id=QUIET, since=mark, timeout=10)
    await harness.server.wait_for_call("sendMessage", chat_id=AWAKE, since=mark, timeout=10)
    assert _got_it(harness, QUIET) and _got_it(harness, AWAKE)


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow, "PROGRESS_INTERVAL", 0.3)


@pytest.fixture
async def sender(harness: Harness) -> AsyncIterator[Sending]:
    running = await _start_sender(harness, rate=200)
    yield running
    running.stop.set()
    await running.task
