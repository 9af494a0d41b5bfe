"""Benchmark the admin views at scale: /stats numbers, the 30-day series and chart, /sources, OPML.

Seeds a fresh SQLite file (or a PostgreSQL database) with 100,000 chats, 150,000
subscriptions, 50 topics, 300 sources, 50,000 articles and 400,000 outbox rows over 30 days
(100,000 digests today), then times each admin read and prints the figures.

    .venv/bin/python bench/admin_stats.py
    .venv/bin/python bench/admin_stats.py --database-url postgresql+asyncpg://USER@HOST/EMPTY_DB
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from digests import migrate, source_admin, stats  # noqa: E402
from digests.chart import draw_daily_chart  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import Article, Chat, OutboxMessage, Source, Subscription, Topic  # noqa: E402

CHATS = 100_000
TOPICS = 50
SOURCES = 300
ARTICLES = 50_000
OUTBOX_OLD = 300_000
DIGESTS_TODAY = 100_000
BATCH = 10_000


async def _bulk(db: Database, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        async with db.transaction() as session:
            await session.execute(insert(table), rows[start : start + BATCH])


async def seed(db: Database, now: datetime) -> None:
    rng = random.Random(7)
    today = stats.day_start(now)
    old = now - timedelta(days=60)
    await _bulk(
        db,
        Chat,
        [
            {
                "id": i, "kind": "private", "title": "", "language": "en", "timezone": "UTC",
                "digest_times": "08:00", "frequency": "daily", "weekly_day": 0, "max_items": 10,
                "notify_empty": False, "active": i % 10 != 0, "created_at": old, "updated_at": old,
            }
            for i in range(1, CHATS + 1)
        ],
    )  # fmt: skip
    await _bulk(
        db,
        Topic,
        [
            {"id": t, "name": f"Topic {t}", "name_key": f"topic {t}", "keywords": [f"k{t}"],
             "exclude": [], "created_at": old, "updated_at": old}
            for t in range(1, TOPICS + 1)
        ],
    )  # fmt: skip
    subscriptions = {}
    for _ in range(150_000):
        chat, topic = rng.randint(1, CHATS), rng.randint(1, TOPICS)
        subscriptions[(chat, topic)] = now - timedelta(seconds=rng.randint(0, 40 * 86400))
    await _bulk(
        db,
        Subscription,
        [{"chat_id": c, "topic_id": t, "created_at": at} for (c, t), at in subscriptions.items()],
    )
    await _bulk(
        db,
        Source,
        [
            {"id": s, "url": f"https://s{s}.example/rss", "name": f"Source {s}", "kind": "feed",
             "fetch_interval": 900, "paused": False, "consecutive_failures": s % 7 == 0,
             "last_error": "HTTP 500" if s % 7 == 0 else None, "created_at": old}
            for s in range(1, SOURCES + 1)
        ],
    )  # fmt: skip
    articles = []
    for a in range(1, ARTICLES + 1):
        seen = now - timedelta(seconds=rng.randint(0, 30 * 86400))
        articles.append(
            {"id": a, "source_id": rng.randint(1, SOURCES), "guid": str(a),
             "url": f"https://n.example/{a}", "title": "t", "summary": "", "text": "", "lead": "",
             "first_seen_at": seen, "sort_at": seen}
        )  # fmt: skip
    await _bulk(db, Article, articles)
    outbox = []
    for n in range(OUTBOX_OLD + DIGESTS_TODAY):
        if n < DIGESTS_TODAY:
            due = today + timedelta(
                seconds=rng.randint(0, max(1, int((now - today).total_seconds()) - 600))
            )
            sent = due + timedelta(seconds=rng.expovariate(1 / 40))
            lane = 3  # Lane.DIGEST
        else:
            sent = now - timedelta(seconds=rng.randint(86400, 30 * 86400))
            due, lane = sent, rng.choice((0, 1, 3))
        outbox.append(
            {"key": f"k{n}", "chat_id": rng.randint(1, CHATS), "lane": lane, "text": "x",
             "html": True, "disable_preview": True, "status": "sent", "attempts": 1,
             "not_before": due, "due_at": due, "created_at": due, "sent_at": sent}
        )  # fmt: skip
    await _bulk(db, OutboxMessage, outbox)


async def timed(label: str, work: Any, runs: int = 3) -> Any:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<44} {best * 1000:8.1f} ms (best of {runs})")
    return result


async def main(url: str) -> None:
    db = Database(url)
    now = datetime.now(UTC).replace(hour=18)
    try:
        started = time.perf_counter()
        await seed(db, now)
        print(f"seeded in {time.perf_counter() - started:.1f} s ({db.dialect})")
        found = await timed(
            "gather_stats (all /stats numbers)", lambda: stats.gather_stats(db, now=now)
        )
        print(
            f"  digests today {found.digests_today}, p50 {found.lateness_p50:.1f} s, "
            f"p95 {found.lateness_p95:.1f} s, failing sources {len(found.failing_sources)}"
        )
        series = await timed("daily_series (30 days)", lambda: stats.daily_series(db, now=now))

        async def draw() -> bytes:
            return await asyncio.to_thread(draw_daily_chart, series)

        png = await timed("draw_daily_chart (PNG)", draw)
        print(f"  chart {len(png) / 1024:.0f} KiB")
        await timed(
            "source_page (8 of 300, with 24 h counts)",
            lambda: source_admin.source_page(db, 3, now=now),
        )
        data = await timed(
            "export_opml (300 sources)", lambda: source_admin.export_opml(db, now=now)
        )
        print(f"  OPML {len(data[0]) / 1024:.0f} KiB")
    finally:
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        migrate.upgrade(args.database_url)
        asyncio.run(main(args.database_url))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            migrate.upgrade(url)
            asyncio.run(main(url))
