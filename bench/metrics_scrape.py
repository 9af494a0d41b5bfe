"""Benchmark a /metrics scrape with 100,000 chats and a full outbox.

Seeds 100,000 chats and an outbox as it is right after the 100k-chat digest tick: one pending
digest per chat, 2,000 pending broadcast rows and 300,000 sent rows of history (bulk inserts,
then VACUUM/ANALYZE as autovacuum would). Then serves the real HTTP server (bot/web.py) and
scrapes ``/metrics`` over HTTP: uncached (every scrape queries the outbox) and with the 5 s
cache the bot uses, and prints the figures.

    .venv/bin/python bench/metrics_scrape.py                     # SQLite, a temp file
    .venv/bin/python bench/metrics_scrape.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

On PostgreSQL it creates and drops its own database next to the one named in the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import telegram  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench._support import insert_chunked, pg_execute, scratch_database  # noqa: E402
from bot.health import BotApiWatch, Readiness  # noqa: E402
from bot.metrics import Metrics  # noqa: E402
from bot.web import WebServer  # noqa: E402
from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import Chat, OutboxMessage  # noqa: E402
from digests.store import outbox  # noqa: E402

NOW = datetime.now(UTC)
TEXT = "<b>Your digest</b>\n" + "A headline that runs on for a while, with a source. " * 40


async def seed(db: Database, chats: int, history: int, broadcasts: int) -> None:
    created = NOW - timedelta(days=30)
    await insert_chunked(
        db,
        Chat,
        [
            {
                "id": 10_000 + c,
                "kind": "private",
                "timezone": "UTC",
                "digest_times": "08:00",
                "created_at": created,
                "updated_at": created,
            }
            for c in range(chats)
        ],
    )

    def row(key: str, chat: int, lane: int, status: str, at: datetime) -> dict[str, Any]:
        sent = status == "sent"
        return {
            "key": key,
            "chat_id": chat,
            "lane": lane,
            "text": TEXT,
            "status": status,
            "attempts": 1 if sent else 0,
            "not_before": at,
            "created_at": at,
            "sent_at": at if sent else None,
        }

    await insert_chunked(
        db,
        OutboxMessage,
        [
            row(
                f"h{i}",
                10_000 + i % chats,
                int(outbox.Lane.DIGEST),
                "sent",
                NOW - timedelta(days=3, seconds=-i),
            )
            for i in range(history)
        ],
    )
    await insert_chunked(
        db,
        OutboxMessage,
        [
            row(
                f"d{c}",
                10_000 + c,
                int(outbox.Lane.DIGEST),
                "pending",
                NOW - timedelta(seconds=c % 600),
            )
            for c in range(chats)
        ],
    )
    await insert_chunked(
        db,
        OutboxMessage,
        [row(f"b{c}", 10_000 + c, 1, "pending", NOW) for c in range(broadcasts)],
    )


async def _scrapes(url: str, count: int) -> list[float]:
    timings = []
    async with aiohttp.ClientSession() as client:
        for _ in range(count):
            started = time.perf_counter()
            async with client.get(url) as answer:
                body = await answer.read()
                assert answer.status == 200 and b"newsbot_outbox_depth" in body
            timings.append(time.perf_counter() - started)
    return timings


async def measure(url: str, scrapes: int) -> dict[str, Any]:
    db = Database(url)
    bot = telegram.Bot("1:bench")  # never called: /metrics does not ask the Bot API
    figures: dict[str, Any] = {}
    try:
        for label, cache in (("uncached", 0.0), ("cached (5 s)", 5.0)):
            metrics = Metrics(db, identity="bench:1", cache_seconds=cache)
            readiness = Readiness(db, BotApiWatch(bot), dict)
            server = WebServer("127.0.0.1", 0, readiness=readiness, metrics=metrics)
            await server.start()
            try:
                page = f"http://127.0.0.1:{server.port}/metrics"
                await _scrapes(page, 3)  # warm the connection pool and caches
                figures[label] = await _scrapes(page, scrapes)
            finally:
                await server.stop()
        started = time.perf_counter()
        async with db.transaction() as session:
            lanes = await outbox.depth(session, datetime.now(UTC))
        figures["query"] = time.perf_counter() - started
        figures["lanes"] = {d.lane.name.lower(): d.waiting for d in lanes}
    finally:
        await db.close()
    return figures


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _vacuum(url: str) -> None:
    if url.startswith("postgresql"):
        await pg_execute(url, "VACUUM ANALYZE outbox")
        await pg_execute(url, "VACUUM ANALYZE chats")
        return
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=300_000)
    parser.add_argument("--broadcasts", type=int, default=2_000)
    parser.add_argument("--scrapes", type=int, default=50)
    args = parser.parse_args()

    with scratch_database(args.database_url, "newsbot_bench") as (url, engine):
        migrate.upgrade(url)
        started = time.perf_counter()
        db = Database(url)

        async def seeding() -> None:
            try:
                await seed(db, args.chats, args.history, args.broadcasts)
            finally:
                await db.close()

        asyncio.run(seeding())
        asyncio.run(_vacuum(url))
        seeded = time.perf_counter() - started
        figures = asyncio.run(measure(url, args.scrapes))

    rows = args.chats + args.history + args.broadcasts
    print(f"engine: {engine}; {args.chats:,} chats, {rows:,} outbox rows ({seeded:.1f} s to seed)")
    print(f"outbox depth by lane: {figures['lanes']}")
    print(f"one depth query, direct: {figures['query'] * 1000:.1f} ms")
    for label in ("uncached", "cached (5 s)"):
        values = figures[label]
        print(
            f"/metrics over HTTP, {label}: median {statistics.median(values) * 1000:.1f} ms, "
            f"p95 {_ms(values, 0.95):.1f} ms, max {max(values) * 1000:.1f} ms "
            f"({len(values)} scrapes)"
        )


if __name__ == "__main__":
    main()
