"""Benchmark: fetch throughput with 1, 2 and 4 worker processes sharing 2,000 local feeds.

A feed server in this process serves ``--feeds`` small RSS feeds (5 items each, unique links,
``--delay`` ms before each answer, like a remote host). For each worker count the sources are
made due again and their articles deleted, then that many processes (this script with
``--worker``) each run the scheduler's ``fetch_due`` once: it claims due sources from
PostgreSQL (``FOR UPDATE SKIP LOCKED``), fetches, parses, stores and matches them, and goes
on until none is due. Printed: wall time until all are done, feeds/s, how the feeds were
split between the workers, and feeds fetched more than once (must be 0).

    .venv/bin/python bench/fetch_workers.py [--feeds 2000] [--delay 50] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import text, update  # noqa: E402

from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.ingest import Ingest, make_fetcher  # noqa: E402
from digests.models import Base, Source  # noqa: E402
from digests.scheduler import NewsScheduler  # noqa: E402
from digests.settings import Settings  # noqa: E402
from digests.store import sources  # noqa: E402
from digests.timeutil import utcnow  # noqa: E402
from tests.support.feedserver import FeedServer  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/newsbot_bench_fetch"


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i} of feed {n}</title><link>https://news{n}.example/{i}</link>"
        f"<guid>f{n}-{i}</guid><description>Lead of story {i}.</description></item>"
        for i in range(5)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news{n}.example/</link>{items}</channel></rss>"
    ).encode()


async def _prepare(url: str, feeds: FeedServer, count: int) -> None:
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
            for n in range(count):
                await sources.add_source(
                    session, url=feeds.url(f"/feeds/{n}.xml"), name=f"Feed {n}", kind="feed",
                    fetch_interval=900, now=utcnow(),
                )  # fmt: skip
    finally:
        await db.close()


async def _make_due(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            kept = {"sources", "leases"}
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name not in kept)
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            await session.execute(update(Source).values(next_fetch_at=None, etag=None))
    finally:
        await db.close()


async def worker(url: str) -> None:
    """One process's share: fetch due sources until none is due; print how many."""
    settings = Settings(database_url=url, allow_private_sources=True, fetch_pages=False)
    db = Database(url)
    fetcher = make_fetcher(settings)
    try:
        fetched = await NewsScheduler(db, settings, Ingest(db, settings, fetcher)).fetch_due()
    finally:
        await fetcher.close()
        await db.close()
    print(fetched)


async def run(url: str, count: int, delay: float, counts: list[int]) -> None:
    feeds = FeedServer()
    await feeds.start()
    for n in range(count):
        feeds.add(f"/feeds/{n}.xml", _feed(n), delay=delay)
    await _prepare(url, feeds, count)
    print(f"{count} feeds, {delay * 1000:.0f} ms before each answer, 4 fetches at once a worker")
    try:
        for workers in counts:
            await _make_due(url)
            feeds.requests.clear()
            env = {**os.environ, "LOG_LEVEL": "WARNING"}
            started = time.monotonic()
            args = [sys.executable, __file__, "--worker", "--database-url", url]
            processes = [
                await asyncio.create_subprocess_exec(*args, env=env, stdout=asyncio.subprocess.PIPE)
                for _ in range(workers)
            ]
            outs = [(await p.communicate())[0].decode().strip() for p in processes]
            elapsed = time.monotonic() - started
            shares = [int(out.splitlines()[-1]) for out in outs]
            twice = sum(1 for n in feeds.requests.values() if n > 1)
            print(f"  {workers} worker(s): {elapsed:6.1f} s, {sum(shares) / elapsed:6.1f} feeds/s, "
                  f"split {shares}, fetched twice: {twice}")  # fmt: skip
    finally:
        await feeds.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=50, help="ms before each answer")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker(args.database_url))
        return
    counts = [int(w) for w in args.workers.split(",")]
    asyncio.run(run(args.database_url, args.feeds, args.delay / 1000, counts))


if __name__ == "__main__":
    main()
