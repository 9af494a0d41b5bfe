"""Fault injection: two real `newsbot run` processes on PostgreSQL deliver through every fault.

Digests (queued as the tick queues them) and a broadcast to every chat are sent by two
``newsbot run`` processes through the test Bot API server while, one after the other:

1. the process holding the sender lease is killed with SIGKILL (the other takes over; the
   killed one is started again and stands by);
2. the Bot API is down (connections refused) for ``FAULT_DOWN`` seconds;
3. the Bot API stalls every request for 15 s;
4. PostgreSQL drops every connection once (``pg_terminate_backend``);
5. the process that polls for updates is killed, and an update sent meanwhile is answered.

Asserted: no message lost; no one-second window with more than SEND_RATE sends at the server;
no chat gets two messages within a second; duplicates (counted by the server) no more than the
senders counted as possible; the sender role moves within 15 s of the kill.

Scale: the issue asks for 2,000 digests + a 2,000-chat broadcast and 60 s down. In CI this
runs with FAULT_CHATS=150 chats (300 messages) at SEND_RATE 25 and 8 s down, about 90 s in
all; ``FAULT_CHATS=2000 FAULT_DOWN=60 FAULT_RATE=30`` runs the full scale (figures in
bench/README.md).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from itertools import pairwise
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import insert, select

from digests import broadcast as broadcasts
from digests.db import Database
from digests.models import Chat, Lease
from digests.store import outbox, state
from digests.store.outbox import Lane, OutboxDraft
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer
from tests.support.processes import newsbot_env, spawn_newsbot

CHATS = int(os.environ.get("FAULT_CHATS", "150"))
DOWN = float(os.environ.get("FAULT_DOWN", "8"))
RATE = int(os.environ.get("FAULT_RATE", "25"))
STALL = 15.0
FIRST = 900_000
DIGEST = "<b>Your digest</b> for {}"
BREAKING = "<b>Breaking:</b> the dam held"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


async def _add_chats_and_queue(db: Database) -> None:
    now = utcnow()
    chats = [
        {"id": FIRST + i, "kind": "private", "title": f"reader {i}", "timezone": "UTC",
         "digest_times": "08:00", "created_at": now, "updated_at": now}
        for i in range(CHATS)
    ]  # fmt: skip
    async with db.transaction() as session:
        await session.execute(insert(Chat), chats)
        drafts = [
            OutboxDraft(f"digest:{i}", FIRST + i, Lane.DIGEST, DIGEST.format(i), due_at=now)
            for i in range(CHATS)
        ]
        await outbox.enqueue(session, drafts, now)
    plan = broadcasts.Plan(admin_id=0, text=BREAKING, audience=broadcasts.Audience.ALL)
    await broadcasts.start_broadcast(db, plan, now=now)


async def _holder(db: Database, role: str) -> str | None:
    async with db.transaction() as session:
        row = (await session.execute(select(Lease.owner, Lease.expires_at).where(
            Lease.name == role))).first()  # fmt: skip
    return None if row is None or row.expires_at <= utcnow() else row.owner


async def _until(check: Callable[[], Awaitable[object]], within: float, what: str) -> None:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, f"{what}: not within {within} s"
        await asyncio.sleep(0.1)


def _delivered(server: BotApiServer) -> Counter[tuple[int, str]]:
    """(chat, kind of message) -> how many arrived."""
    calls = server.calls_of("sendMessage")
    return Counter((c.chat_id, str(c.params.get("text", ""))[:12]) for c in calls if c.ok)


def _busiest_second(server: BotApiServer) -> float:
    times = sorted(c.at for c in server.calls_of("sendMessage") if c.ok)
    best, best_at, start = 0, 0.0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        if end - start + 1 > best:
            best, best_at = end - start + 1, times[start]
    return best_at


async def _drop_every_connection(url: str) -> int:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        return len(await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))  # fmt: skip
    finally:
        await conn.close()


async def test_two_processes_deliver_everything_through_kills_outages_stalls_and_db_drops(
    db: Database, tmp_path: Path
) -> None:
    await _add_chats_and_queue(db)
    total = 2 * CHATS
    async with BotApiServer() as server:
        env = newsbot_env(
            server.token, server.base_url, db.url, SEND_RATE=str(RATE), LOG_LEVEL="INFO"
        )
        processes: dict[str, asyncio.subprocess.Process] = {}
        logs = Path(os.environ.get("FAULT_LOGS", tmp_path))
        standbys: dict[str, int] = {}

        async def standing_by(name: str) -> bool:
            text = (logs / f"{name}.log").read_text(errors="replace")
            return text.count("sender: held by") > standbys.get(name, 0)

        async def start(name: str) -> None:
            log = open(logs / f"{name}.log", "ab")  # noqa: ASYNC230, SIM115
            named = {**env, "INSTANCE_NAME": name}
            processes[name] = await spawn_newsbot(named, "run", stderr=log.fileno())

        def sent() -> int:  # the queued messages only: the /help answer to 777 does not count
            return sum(1 for chat, _ in _delivered(server) if FIRST <= chat < FIRST + CHATS)

        async def sent_at_least(goal: int) -> bool:
            return sent() >= min(total, goal)

        async def sending(more: int) -> None:
            goal = sent() + more
            await _until(lambda: sent_at_least(goal), 120, f"{goal} sent")

        async def a_sender() -> str | None:
            return await _holder(db, "sender")

        phases: list[tuple[str, float]] = []
        try:
            phases.append(("start", time.monotonic()))
            await start("a")
            await _until(a_sender, 60, "a sender")
            await start("b")
            await _until(lambda: standing_by("b"), 60, "b standing by")
            await sending(40)

            # 1. kill -9 the sender; the other takes over once the lease expires.
            victim = (await _holder(db, "sender") or "").split("/")[0]
            processes[victim].send_signal(signal.SIGKILL)
            await processes[victim].wait()
            killed_at = time.monotonic()
            phases.append(("sender killed", killed_at))

            async def taken_over() -> bool:
                holder = await _holder(db, "sender")
                return holder is not None and not holder.startswith(f"{victim}/")

            await _until(taken_over, 30, "the sender role taken over")
            failover = time.monotonic() - killed_at
            before = sent()
            await _until(lambda: sent_at_least(before + 1), 30, "sending again")
            earlier = (logs / f"{victim}.log").read_text(errors="replace")
            standbys[victim] = earlier.count("sender: held by")
            await start(victim)  # back as a standby
            await _until(lambda: standing_by(victim), 60, f"{victim} standing by")
            await sending(30)

            # 2. the Bot API is down, then up; 3. it stalls 15 s.
            phases.append(("down", time.monotonic()))
            await server.go_down()
            await asyncio.sleep(DOWN)
            await server.come_up()
            await sending(30)
            phases.append(("stall", time.monotonic()))
            server.stall(STALL)
            await asyncio.sleep(STALL)
            await sending(30)

            # 4. PostgreSQL drops every connection once.
            phases.append(("database drop", time.monotonic()))
            assert await _drop_every_connection(db.url) > 0
            await sending(30)

            # 5. the poller dies; the other process polls within 15 s and answers.
            poller = (await _holder(db, "poller") or "").split("/")[0]
            phases.append(("poller killed", time.monotonic()))
            processes[poller].send_signal(signal.SIGKILL)
            await processes[poller].wait()
            mark = server.mark()
            server.inject_message(777, "/help")
            await server.wait_for_call("sendMessage", chat_id=777, since=mark, timeout=30)

            await _until(lambda: sent_at_least(total), 120 + 3 * total / RATE, "everything sent")
        finally:
            for process in processes.values():
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                await asyncio.wait_for(process.wait(), 60)

    delivered = _delivered(server)
    digests = {chat for chat, text in delivered if text.startswith("<b>Your")}
    broken = {chat for chat, text in delivered if text.startswith("<b>Breaking")}
    wanted = {FIRST + i for i in range(CHATS)}
    assert digests >= wanted and broken >= wanted, "a message was lost"
    duplicates = sum(n - 1 for (chat, _), n in delivered.items() if chat in wanted)
    async with db.transaction() as session:
        counted = int(await state.get_value(session, state.POSSIBLE_DUPLICATES) or 0)
    per_chat: dict[int, list[float]] = defaultdict(list)
    for call in server.calls_of("sendMessage"):
        if call.ok and call.chat_id in wanted:
            per_chat[call.chat_id].append(call.at)
    closest = min(b - a for times in per_chat.values() for a, b in pairwise(sorted(times)))
    busiest = server.accepted_per_second_windows()
    at = _busiest_second(server)
    during = [name for name, started in phases if started <= at][-1:]
    print(
        f"busiest second began {at - phases[0][1]:.1f} s in, after: {during}; phases (s): "
        + ", ".join(f"{name} {t - phases[0][1]:.1f}" for name, t in phases)
    )
    print(f"\n{total} messages to {CHATS} chats at SEND_RATE {RATE}: failover {failover:.1f} s, "
          f"{duplicates} duplicates ({counted} counted as possible), busiest second {busiest}, "
          f"closest two to one chat {closest:.2f} s")  # fmt: skip
    assert failover <= 15, f"the sender role moved after {failover:.1f} s"
    assert busiest <= RATE, f"{busiest} sends in one second"
    assert closest >= 0.95, f"a chat got two messages {closest:.2f} s apart"
    assert duplicates <= counted, f"{duplicates} duplicates, {counted} counted"
