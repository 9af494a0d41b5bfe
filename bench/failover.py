"""Benchmark: how long the outbox goes unsent after the sender is killed with ``kill -9``.

Two real ``newsbot deliver --forever`` processes share one PostgreSQL database: one holds the
sender lease, the other stands by. The holder is killed (SIGKILL) ``--kills`` times while it
sends; each time the bench measures, from the kill, when the standby holds the lease and
when the test Bot API server (running here) gets the next message. The killed process is
started again as the new standby.

Two cases: processes named as on different hosts (``INSTANCE_NAME`` a and b: the standby must
wait for the lease to expire, LEASE_TTL 10 s) and on the same host (same name: the standby
sees the holder's pid is gone and takes over at once).

    .venv/bin/python bench/failover.py [--kills 5] [--database-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import Base, Lease  # noqa: E402
from digests.store import outbox  # noqa: E402
from digests.store.outbox import Lane, OutboxDraft  # noqa: E402
from digests.timeutil import utcnow  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/newsbot_bench_failover"


async def _prepare(url: str, messages: int) -> None:
    admin, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(admin.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            drafts = [
                OutboxDraft(f"f-{i}", 3_000_000 + i, Lane.DIGEST, f"<b>Digest</b> {i}")
                for i in range(messages)
            ]
            await outbox.enqueue(session, drafts, utcnow())
    finally:
        await db.close()


async def _holder(db: Database) -> str | None:
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(Lease.owner, Lease.expires_at).where(Lease.name == "sender")
            )
        ).first()
    return None if row is None or row.expires_at <= utcnow() else row.owner


async def _start(env: dict[str, str], name: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "deliver", "--forever", cwd=ROOT,
        env={**env, "INSTANCE_NAME": name}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def _line(process: asyncio.subprocess.Process, prefix: str) -> None:
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        if not line:
            raise SystemExit(f"a sender ended before printing {prefix!r}")
        if line.startswith(prefix):
            return


async def run(url: str, kills: int, same_host: bool) -> list[tuple[float, float]]:
    """(lease taken, next message) seconds after each kill."""
    await _prepare(url, messages=100_000)
    db = Database(url)
    results = []
    async with BotApiServer() as server:
        env = {
            **os.environ, "BOT_TOKEN": server.token, "BOT_API_URL": server.base_url,
            "DATABASE_URL": url, "SEND_RATE": "25", "LOG_LEVEL": "WARNING",
        }  # fmt: skip
        holder_name, standby_name = ("a", "a") if same_host else ("a", "b")
        holder = await _start(env, holder_name)
        await _line(holder, "possible duplicates")
        standby = await _start(env, standby_name)
        await _line(standby, "a sender is running")
        try:
            for _ in range(kills):
                await asyncio.sleep(2)  # sending
                before = await _holder(db)
                holder.send_signal(signal.SIGKILL)
                await holder.wait()
                killed = time.monotonic()
                seen = len(server.calls_of("sendMessage"))
                while (now_holder := await _holder(db)) in (None, before):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
                taken = time.monotonic() - killed
                while len(server.calls_of("sendMessage")) <= seen + 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                resumed = time.monotonic() - killed
                results.append((taken, resumed))
                print(f"  kill -9: lease taken after {taken:.2f} s by {now_holder}, "
                      f"sending again after {resumed:.2f} s")  # fmt: skip
                # The killed one comes back, under its own name, as the new standby.
                holder, holder_name, standby_name = standby, standby_name, holder_name
                standby = await _start(env, standby_name)
                await _line(standby, "a sender is running")
        finally:
            for process in (holder, standby):
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    await process.wait()
            await db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    for same_host, title in ((False, "different hosts (lease expiry)"), (True, "same host")):
        print(f"\n{title}, LEASE_TTL 10 s:")
        results = asyncio.run(run(args.database_url, args.kills, same_host))
        taken = [t for t, _ in results]
        resumed = [r for _, r in results]
        print(f"  lease taken:   median {statistics.median(taken):.2f} s, max {max(taken):.2f} s")
        print(f"  sending again: median {statistics.median(resumed):.2f} s, "
              f"max {max(resumed):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
