"""my_chat_member end to end: blocking or removing the bot deactivates the chat; back revives it."""

from __future__ import annotations

import asyncio

from digests.store import chats as chat_store
from digests.store import outbox
from digests.store.outbox import Lane, OutboxDraft
from digests.timeutil import utcnow
from tests.bot.conftest import Harness


async def _active(harness: Harness, chat_id: int) -> bool | None:
    async with harness.db.transaction() as session:
        chat = await chat_store.get_chat(session, chat_id)
        return None if chat is None else chat.active


async def _until_active_is(harness: Harness, chat_id: int, expected: bool) -> None:
    for _ in range(100):
        if await _active(harness, chat_id) is expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat {chat_id} active is {await _active(harness, chat_id)}")


async def test_a_user_blocking_the_bot_deactivates_the_chat_and_drops_its_queue(
    harness: Harness,
) -> None:
    await harness.send("/start", chat_id=2101)
    async with harness.db.transaction() as session:
        await outbox.enqueue(
            session, [OutboxDraft("digest-2101", 2101, Lane.DIGEST, "news")], utcnow()
        )

    harness.server.inject_my_chat_member(2101, "kicked")
    await _until_active_is(harness, 2101, False)

    async with harness.db.transaction() as session:
        chat = await chat_store.get_chat(session, 2101)
        counts = await outbox.count_by_status(session)
    assert chat is not None and chat.inactive_reason == "blocked by the user"
    assert counts[outbox.Status.DROPPED] == 1 and counts[outbox.Status.PENDING] == 0

    harness.server.inject_my_chat_member(2101, "member")
    await _until_active_is(harness, 2101, True)


async def test_a_group_that_removes_and_re_adds_the_bot_is_deactivated_then_revived(
    harness: Harness,
) -> None:
    await harness.send("/start", chat_id=-2201, chat_type="group", title="Team")

    harness.server.inject_my_chat_member(-2201, "left", chat_type="group", title="Team")
    await _until_active_is(harness, -2201, False)
    harness.server.inject_my_chat_member(-2201, "administrator", chat_type="group", title="Team")
    await _until_active_is(harness, -2201, True)


async def test_a_group_that_adds_the_bot_is_registered(harness: Harness) -> None:
    harness.server.inject_my_chat_member(-2301, "member", chat_type="group", title="New")
    await _until_active_is(harness, -2301, True)
