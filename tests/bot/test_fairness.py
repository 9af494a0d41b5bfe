"""Fair under abuse: a chat flooding commands gets its budget and one notice; others are served.

The real bot polls the test Bot API server, with replies paced by a real outbox sender as in
production (one message a second per private chat), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest

from bot.sender import TelegramSender
from bot.services import Services
from digests.delivery import Delivery
from digests.pacing import Pacer
from tests.bot.conftest import ADMIN_ID, Harness

FLOODER, OTHER = 1001, 2002
GROUP, MEMBER, NEIGHBOUR = -1001234, 11, 22
BURST = 5  # the default CHAT_COMMAND_BURST
SLOW_DOWN = "Slow down, please: try again in"


@pytest.fixture
def command_budget() -> dict[str, object]:
    """The burst as shipped (CHAT_COMMAND_BURST 5), refilled at one a minute instead of 20 so
    that no token comes back while a slow machine is still reading through a flood."""
    return {"chat_command_rate": 1.0}


async def _paced(harness: Harness, private_interval: float) -> AsyncIterator[Delivery]:
    delivery = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(harness.settings.send_rate, private_interval=private_interval),
        poll_interval=0.1,
        flush_interval=0.05,
    )
    services = next(v for v in harness.application.bot_data.values() if isinstance(v, Services))
    services.delivery = delivery
    stop = asyncio.Event()
    task = asyncio.create_task(delivery.run(stop))
    yield delivery
    stop.set()
    await task


@pytest.fixture
async def paced(harness: Harness) -> AsyncIterator[Delivery]:
    """Replies paced as in production: one message a second to a private chat."""
    async for delivery in _paced(harness, private_interval=1.0):
        yield delivery


@pytest.fixture
async def quick(harness: Harness) -> AsyncIterator[Delivery]:
    """Replies paced, with a short per-chat interval so floods settle quickly."""
    async for delivery in _paced(harness, private_interval=0.1):
        yield delivery


async def settled(harness: Harness, timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Wait until the bot has fetched every update and finished with each one."""
    deadline = time.monotonic() + timeout
    app = harness.application
    while (
        harness.server.pending_updates
        or not app.update_queue.empty()
        or app.update_processor.current_concurrent_updates
    ):
        assert time.monotonic() < deadline, harness.server.dump_calls()
        await asyncio.sleep(0.05)


async def answered(harness: Harness, chat_id: int, needle: str, since: float) -> float:
    """When the bot sent ``chat_id`` a message containing ``needle`` after ``since``."""
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        for call in harness.server.calls_of("sendMessage", chat_id=chat_id):
            if call.at >= since and needle in str(call.params["text"]):
                return call.at
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {needle!r} in chat {chat_id}\n{harness.server.dump_calls()}")


def texts(harness: Harness, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in harness.server.calls_of("sendMessage", chat_id=chat_id)]


async def test_a_flood_from_one_chat_does_not_delay_another_chats_answer(
    harness: Harness, paced: Delivery
) -> None:
    server = harness.server
    for _ in range(300):
        server.inject_message(FLOODER, "/latest")
    start = time.monotonic()
    mark = server.mark()
    server.inject_message(OTHER, "/help")
    (answer,) = await server.wait_for_call("sendMessage", chat_id=OTHER, since=mark, timeout=2.0)
    assert answer.at - start < 2.0
    await settled(harness)
    await asyncio.sleep(1.5)  # a late, paced reply would show up by now
    flooded = texts(harness, FLOODER)
    assert 1 <= len(flooded) <= BURST + 1
    assert sum(SLOW_DOWN in t for t in flooded) <= 1
    assert len(texts(harness, OTHER)) == 1


async def test_the_flooder_gets_its_budget_then_one_notice_in_its_language(
    harness: Harness, quick: Delivery
) -> None:
    for n in range(300):
        harness.server.inject_message(FLOODER, f"/latest t{n}", language_code="ar")
    await settled(harness)
    await asyncio.sleep(0.5)
    flooded = texts(harness, FLOODER)
    answers, notices = flooded[:-1], flooded[-1:]
    # Each admitted command answered once, in order: the unknown topic's name is in the reply.
    assert len(answers) == BURST
    for n, text in enumerate(answers):
        assert f"t{n}" in text
    assert len(notices) == 1
    assert "على مهلك من فضلك" in notices[0]
    assert "SLOW" not in notices[0].upper()
    # Silence until the budget refills: more commands now get nothing at all.
    for n in range(300, 310):
        harness.server.inject_message(FLOODER, f"/latest t{n}", language_code="ar")
    await settled(harness)
    await asyncio.sleep(0.3)
    assert len(texts(harness, FLOODER)) == BURST + 1


async def test_the_same_command_while_one_is_pending_is_answered_once(harness: Harness) -> None:
    for _ in range(3):
        harness.server.inject_message(OTHER, "/latest")
    await settled(harness)
    assert len(texts(harness, OTHER)) == 1
    # Once answered, the same command is answered again.
    await harness.send("/latest", chat_id=OTHER)
    assert len(texts(harness, OTHER)) == 2


async def test_a_member_flooding_a_group_leaves_the_others_their_share(
    harness: Harness, quick: Delivery
) -> None:
    server = harness.server
    for n in range(100):
        server.inject_message(
            GROUP, f"/latest t{n}", chat_type="supergroup", user_id=MEMBER, title="Readers"
        )
    start = time.monotonic()
    server.inject_message(GROUP, "/help", chat_type="supergroup", user_id=NEIGHBOUR)
    helped = await answered(harness, GROUP, "/latest", start)
    assert helped - start < 2.0
    # Their share left: the neighbour's second command in the same seconds is answered too.
    server.inject_message(GROUP, "/digest", chat_type="supergroup", user_id=NEIGHBOUR)
    await answered(harness, GROUP, "digest", helped)
    await settled(harness)
    await asyncio.sleep(0.3)
    sent = texts(harness, GROUP)
    from_flood = [t for t in sent if re.search(r"\bt\d+\b", t)]
    # One member gets half of the group's burst of five, rounded up, and one notice.
    assert len(from_flood) == 3
    assert sum(SLOW_DOWN in t for t in sent) == 1


async def test_admins_are_exempt_for_admin_commands_only(harness: Harness) -> None:
    for _ in range(BURST + 3):
        reply = await harness.send("/sources", chat_id=ADMIN_ID)
        assert SLOW_DOWN not in reply.text
    answers = [await harness.send("/help", chat_id=ADMIN_ID) for _ in range(BURST + 1)]
    assert all(SLOW_DOWN not in a.text for a in answers[:BURST])
    assert SLOW_DOWN in answers[BURST].text
