"""Lanes: one handler at a time per chat, a bounded pool of work, and waits that hold nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.lanes import Lanes, waiting


async def test_a_chat_runs_its_updates_one_at_a_time_in_order() -> None:
    lanes, seen, running = Lanes(workers=4), [], [0]

    async def handle(n: int) -> None:
        async with lanes.run(1):
            running[0] += 1
            assert running[0] == 1
            await asyncio.sleep(0.01)
            seen.append(n)
            running[0] -= 1

    await asyncio.gather(*(handle(n) for n in range(5)))
    assert seen == [0, 1, 2, 3, 4]
    assert lanes.chats == 0  # nothing left behind


async def test_waiting_for_a_send_slot_gives_the_work_slot_to_another_chat() -> None:
    lanes, order = Lanes(workers=1), []
    slow_waiting = asyncio.Event()

    async def slow_chat() -> None:
        async with lanes.run(1):
            async with waiting():
                slow_waiting.set()
                await asyncio.sleep(0.2)  # e.g. its one-message-a-second turn
            order.append("slow")

    async def other_chat() -> None:
        await slow_waiting.wait()
        async with lanes.run(2):
            order.append("other")

    await asyncio.wait_for(asyncio.gather(slow_chat(), other_chat()), 2)
    assert order == ["other", "slow"]


async def test_work_is_bounded_across_chats() -> None:
    lanes, running, most = Lanes(workers=3), [0], [0]

    async def handle(chat: int) -> None:
        async with lanes.run(chat):
            running[0] += 1
            most[0] = max(most[0], running[0])
            await asyncio.sleep(0.01)
            running[0] -= 1

    await asyncio.gather(*(handle(chat) for chat in range(20)))
    assert most[0] == 3


async def test_a_chat_with_a_full_queue_is_crowded() -> None:
    lanes, release = Lanes(queue=2), asyncio.Event()

    async def handle() -> None:
        async with lanes.run(7):
            await release.wait()

    tasks = [asyncio.create_task(handle()) for _ in range(3)]
    await asyncio.sleep(0)
    assert lanes.crowded(7)
    assert not lanes.crowded(8)
    release.set()
    await asyncio.gather(*tasks)
    assert not lanes.crowded(7)


def test_lanes_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        Lanes(per_chat=0)
