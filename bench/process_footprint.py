"""Benchmark the bot process at rest: resident memory when idle and the time it takes to be ready.

Seeds a database with 100,000 chats (bench/digest_tick.py's bulk seed, 1,000 articles), then
moves every chat's next digest a day ahead and pauses the sources, so that the process has
nothing to do but wait. Starts the real ``newsbot run`` against the test Bot API server
(tests/support/botapi.py) and prints the time from the spawn to its first ``getUpdates`` (ready:
it receives messages) and its resident memory (VmRSS) a few seconds later, best and worst of a
few runs.

    .venv/bin/python bench/process_footprint.py [--chats 100000] [--runs 3] [--idle 5]

With ``--pythonpath DIR`` the bot is imported from DIR (a ``git archive`` of another commit) to
compare two versions with the same database and interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from digest_tick import seed  # noqa: E402
from sqlalchemy import update  # noqa: E402

from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import Chat, Source  # noqa: E402
from digests.timeutil import utcnow  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402
from tests.support.service import finish, newsbot_env, start_newsbot  # noqa: E402


async def quiet(url: str) -> None:
    """Nothing due: digests a day away, sources paused (no fetch reaches for the network)."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(update(Chat).values(next_digest_at=utcnow().replace(year=2100)))
            await session.execute(update(Source).values(paused=True))
    finally:
        await db.close()


def usage(pid: int) -> tuple[float, float]:
    """(resident MB, CPU seconds so far) of process ``pid``, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    (rss,) = (int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(url: str, idle: float, pythonpath: str) -> tuple[float, float, float]:
    """(seconds to the first getUpdates, idle RSS in MB, CPU seconds the process used)."""
    async with BotApiServer(token="123456:AAE-footprint") as server:
        env = newsbot_env(
            BOT_TOKEN=server.token,
            BOT_API_URL=server.base_url,
            DATABASE_URL=url,
            LOG_LEVEL="WARNING",
            PYTHONPATH=pythonpath,
        )
        with tempfile.TemporaryDirectory() as cwd:
            started = time.monotonic()
            process = await start_newsbot(env, cwd=Path(cwd))
            try:
                (call,) = await server.wait_for_call("getUpdates", timeout=120)
                ready = call.at - started
                await asyncio.sleep(idle)
                rss, cpu = usage(process.pid)
            finally:
                await finish(process, terminate=True, within=30)
    return ready, rss, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--pythonpath", default=str(ROOT))
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="newsbot-footprint-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    try:
        migrate.upgrade(url)
        asyncio.run(seed(url, args.chats, 1000, 50, random.Random(7)))
        asyncio.run(quiet(url))
        results = [asyncio.run(one_run(url, args.idle, args.pythonpath)) for _ in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ready = sorted(r[0] for r in results)
    rss = sorted(r[1] for r in results)
    cpu = sorted(r[2] for r in results)
    print(f"bot from {args.pythonpath}; {args.chats:,} chats (SQLite); load {os.getloadavg()}")
    print(f"ready (first getUpdates): {ready[0]:.2f}-{ready[-1]:.2f} s")
    print(f"idle RSS after {args.idle:g} s: {rss[0]:.0f}-{rss[-1]:.0f} MB")
    print(f"CPU used by then: {cpu[0]:.2f}-{cpu[-1]:.2f} s")


if __name__ == "__main__":
    main()
