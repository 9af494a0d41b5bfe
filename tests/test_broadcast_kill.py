"""Broadcasts from the command line; one to 2,000 chats survives its sender being killed.

``newsbot broadcast --text ... --yes`` queues the broadcast and follows it with its progress
bar, while a real ``newsbot deliver --forever`` process sends it through the test Bot API
server (no rate limit there; SEND_RATE 400). The sender is killed three times while it sends
and started again. In the end every chat has the message, the chats that got it twice are no
more than the sender reported as possible duplicates, and the broadcast's final counts are
written once, by the command that followed it.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter

import pytest
from sqlalchemy import insert, select

from digests import topics
from digests.db import Database
from digests.models import Broadcast, Chat
from digests.store import outbox, state
from digests.store import topics as topic_store
from digests.store.outbox import Status
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer
from tests.support.processes import newsbot_env, run_newsbot, spawn_newsbot

CHATS = 2000
FIRST = 500_000
KILLS = 3
TEXT = "<b>Breaking:</b> the dam held"


def _reported(line: bytes) -> int:
    text = line.decode().strip()
    assert text.startswith("possible duplicates: "), text
    return int(text.rsplit(" ", 1)[1])


async def _add_chats(db: Database, count: int = CHATS) -> None:
    now = utcnow()
    rows = [
        {
            "id": FIRST + i,
            "kind": "private",
            "title": f"reader {i}",
            "timezone": "UTC",
            "digest_times": "08:00",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    async with db.transaction() as session:
        await session.execute(insert(Chat), rows)


async def _line_starting(process: asyncio.subprocess.Process, prefix: str) -> str:
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line, f"the command ended before printing {prefix!r}"
        if line.startswith(prefix):
            return line


async def test_a_broadcast_reaches_every_chat_once_though_its_sender_is_killed(
    db: Database,
) -> None:
    rng = random.Random(os.environ.get("KILL_SEED", "broadcast"))
    await _add_chats(db)
    async with BotApiServer() as server:
        env = newsbot_env(server.token, server.base_url, db.url, SEND_RATE="400")
        follower = await spawn_newsbot(env, "broadcast", "--text", TEXT, "--yes", "--stall", "30")
        queued = await _line_starting(follower, "broadcast #")
        assert queued.strip() == f"broadcast #1 queued for {CHATS} chats"

        printed = 0
        progress = []
        for _kill in range(KILLS):
            sender = await spawn_newsbot(env, "deliver", "--forever")
            assert sender.stdout is not None
            printed += _reported(await asyncio.wait_for(sender.stdout.readline(), 20))
            await asyncio.sleep(rng.uniform(0.3, 1.0))  # while it sends
            sender.kill()
            await sender.wait()
            progress.append(len(server.calls_of("sendMessage")))

        sender = await spawn_newsbot(env, "deliver")
        out, _ = await asyncio.wait_for(sender.communicate(), 40)
        assert sender.returncode == 0, out
        printed += _reported(out.splitlines()[0])
        rest, _ = await asyncio.wait_for(follower.communicate(), 20)
        assert follower.returncode == 0, rest

    received = Counter(c.chat_id for c in server.calls_of("sendMessage") if c.ok)
    assert set(received) == {FIRST + i for i in range(CHATS)}, "a chat was skipped"
    duplicates = sum(n - 1 for n in received.values())
    async with db.transaction() as session:
        counted = int(await state.get_value(session, state.POSSIBLE_DUPLICATES) or 0)
        statuses = await outbox.count_by_status(session)
        (stored,) = await session.scalars(select(Broadcast))
    print(f"sends after each kill {progress}; {duplicates} duplicates, {counted} counted")
    assert duplicates <= counted, f"{duplicates} duplicates, {counted} counted"
    assert printed <= counted
    assert statuses[Status.SENT] == CHATS
    assert 0 < progress[0] < progress[-1] < CHATS, f"kills did not land mid-run: {progress}"
    assert (
        rest.decode().strip().endswith(f"broadcast #1 done: sent {CHATS}, failed 0, blocked 0")
    ), rest
    assert (stored.status, stored.recipients, stored.sent, stored.failed, stored.blocked) == (
        "done",
        CHATS,
        CHATS,
        0,
        0,
    )


# -- the command line, without kills -----------------------------------------------------------


async def _topic_with_followers(db: Database) -> None:
    await topics.add_topic(db, "Floods", "flood", now=utcnow())
    await _add_chats(db, count=4)
    async with db.transaction() as session:
        topic = await topic_store.find_topic(session, "floods")
        assert topic is not None
        for chat_id in (FIRST, FIRST + 1):
            await topic_store.subscribe(session, chat_id, topic.id, utcnow())


async def _run_cli(env: dict[str, str], *args: str, answer: bytes = b"") -> tuple[int, str, str]:
    return await run_newsbot(env, "broadcast", *args, answer=answer, within=40)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the kill test does both
async def test_the_command_line_previews_asks_and_sends_to_a_topics_followers(
    db: Database,
) -> None:
    await _topic_with_followers(db)
    async with BotApiServer() as server:
        env = newsbot_env(server.token, server.base_url, db.url)
        malformed, aborted, stalled = await asyncio.gather(  # at once: it takes a while
            _run_cli(env, "--text", "<b>Flood", "--yes"),
            _run_cli(env, "--text", TEXT, "--topic", "floods", answer=b"n\n"),
            _run_cli(env, "--text", TEXT, "--yes", "--stall", "1"),
        )
        assert malformed[0] == 1 and malformed[2].strip() == "newsbot: <b> is never closed."
        assert aborted[0] == 1 and "Aborted" in aborted[1] + aborted[2]
        assert "Breaking: the dam held\n--- to the followers of 'Floods': 2 chats" in aborted[1]
        code, out, err = stalled
        assert code == 0
        assert "broadcast #1 queued for 4 chats" in out
        assert "nothing was sent for 1 s: is the bot running?" in err
        assert "`newsbot run` or `newsbot deliver` sends them" in err

        code, out, err = await _run_cli(
            env, "--text", TEXT, "--topic", "Floods", "--yes", "--deliver"
        )
        assert code == 0, err
        assert out.strip().endswith("broadcast #2 done: sent 2, failed 0, blocked 0"), out
        assert "broadcast #2" in err  # the progress bar

    # The sender in the last command sent broadcast #1 too (queued first, it went first).
    received = Counter(c.chat_id for c in server.calls_of("sendMessage") if c.ok)
    assert received == {FIRST: 2, FIRST + 1: 2, FIRST + 2: 1, FIRST + 3: 1}
    async with db.transaction() as session:
        statuses = await outbox.count_by_status(session)
    assert (statuses[Status.PENDING], statuses[Status.SENT]) == (0, 6)
