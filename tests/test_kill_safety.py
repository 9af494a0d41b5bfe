"""Killing the sender (SIGKILL) at random moments loses no message, and duplicates are counted.

A real ``newsbot deliver`` process sends 300 queued messages to 300 chats through the test Bot
API server, which runs here; it is killed several times mid-run and started again. In the end
every chat must have its message, and the chats that got it twice must be no more than the
sender reported as possible duplicates (rows it found in flight at start).
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections import Counter
from pathlib import Path

from digests.db import Database
from digests.store import outbox, state
from digests.store.outbox import Lane, OutboxDraft, Status
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
CHATS = 300
KILLS = 4


async def _start(env: dict[str, str], *, forever: bool) -> asyncio.subprocess.Process:
    args = [sys.executable, "-m", "bot", "deliver", *(["--forever"] if forever else [])]
    return await asyncio.create_subprocess_exec(
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


def _reported(line: bytes) -> int:
    text = line.decode().strip()
    assert text.startswith("possible duplicates: "), text
    return int(text.rsplit(" ", 1)[1])


async def test_killing_the_sender_at_random_moments_loses_nothing(db: Database) -> None:
    rng = random.Random(os.environ.get("KILL_SEED", "newsbot"))
    async with BotApiServer() as server:
        async with db.transaction() as session:
            drafts = [
                OutboxDraft(f"kill-{i}", 10_000 + i, Lane.DIGEST, f"<b>news</b> for {i}")
                for i in range(CHATS)
            ]
            await outbox.enqueue(session, drafts, utcnow())
        env = {
            **os.environ,
            "BOT_TOKEN": server.token,
            "BOT_API_URL": server.base_url,
            "DATABASE_URL": db.url,
            "SEND_RATE": "60",
            "LOG_LEVEL": "WARNING",
        }
        printed = 0
        progress = []
        for kill in range(KILLS):
            process = await _start(env, forever=True)
            assert process.stdout is not None
            if kill == 0:  # anywhere, start-up included
                await asyncio.sleep(rng.uniform(0.2, 1.5))
            else:  # while it sends
                printed += _reported(await asyncio.wait_for(process.stdout.readline(), 20))
                await asyncio.sleep(rng.uniform(0.1, 1.0))
            process.kill()
            await process.wait()
            progress.append(len(server.calls_of("sendMessage")))

        process = await _start(env, forever=False)
        out, _ = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, out
        printed += _reported(out.splitlines()[0])

    received = Counter(c.chat_id for c in server.calls_of("sendMessage") if c.ok)
    assert set(received) == {10_000 + i for i in range(CHATS)}, "a message was lost"
    duplicates = sum(n - 1 for n in received.values())
    async with db.transaction() as session:
        counted = int(await state.get_value(session, state.POSSIBLE_DUPLICATES) or 0)
        statuses = await outbox.count_by_status(session)
    assert statuses[Status.SENT] == CHATS
    assert duplicates <= counted, f"{duplicates} duplicates, {counted} counted"
    assert printed <= counted  # a run killed before it printed still counted in the database
    assert 0 < progress[1] < progress[-1] < CHATS, f"kills did not land mid-run: {progress}"
