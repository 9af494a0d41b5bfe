"""Benchmark the digest tick: 100,000 due chats over 10,000 articles and 50 topics.

By default 20% of the chats have two digest times (the other one 12 h away, so their last
digest was 12 h ago) and 10% own an alert keyword topic (5 matches in the window, 2 of them
sent as alerts, which their digest must leave out); ``--two-times 0 --alerts 0`` is the
workload of one digest time per chat and no alerts.

Seeds a fresh database with bulk inserts (timed apart), then runs one tick in a fresh process
so its peak RSS is the tick's own (interpreter and libraries included), and prints the figures.

    .venv/bin/python bench/digest_tick.py                       # SQLite, a temp file
    .venv/bin/python bench/digest_tick.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

On PostgreSQL it creates and drops its own database next to the one named in the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bench._support import insert_chunked, scratch_database  # noqa: E402
from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import (  # noqa: E402
    Article,
    ArticleTopic,
    Chat,
    DigestEdition,
    OutboxMessage,
    SentAlert,
    Source,
    Subscription,
    Topic,
)

NOW = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
# Where chats live: digest times are set so that every chat is due at NOW (the worst minute).
ZONES = [
    "Asia/Baghdad",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dubai",
    "UTC",
]
WORDS = [
    "syria",
    "iraq",
    "border",
    "oil",
    "talks",
    "election",
    "market",
    "storm",
    "match",
    "final",
    "court",
    "minister",
    "protest",
    "deal",
    "bank",
    "rates",
    "drought",
    "harvest",
    "summit",
    "strike",
    "aid",
    "vote",
]


def _title(rng: random.Random, n: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
    return f"{n}: {words.capitalize()} & more <news>"


async def seed(
    url: str,
    chats: int,
    articles: int,
    topics: int,
    rng: random.Random,
    mix: tuple[float, float] = (0.0, 0.0),
) -> None:
    db = Database(url)
    try:
        await _seed(db, chats, articles, topics, rng, mix)
    finally:
        await db.close()


async def _seed(
    db: Database,
    chats: int,
    articles: int,
    topics: int,
    rng: random.Random,
    mix: tuple[float, float],
) -> None:
    # The share of chats with two digest times, and with an alert topic. Drawn from their own
    # generator, so the rest of the data is the same whatever the mix.
    two_times, alerts = mix
    extra = random.Random(0x5EED)
    created = NOW - timedelta(days=30)
    await insert_chunked(
        db,
        Topic,
        [
            {
                "id": t,
                "name": f"Topic {t:02d}",
                "name_key": f"topic {t:02d}",
                "keywords": [f"k{t}"],
                "exclude": [],
                "created_at": created,
                "updated_at": created,
            }
            for t in range(1, topics + 1)
        ],
        5000,
    )
    await insert_chunked(
        db,
        Source,
        [
            {
                "id": s,
                "url": f"https://source{s}.example/feed",
                "name": f"Source {s} & Co",
                "kind": "feed",
                "fetch_interval": 900,
                "paused": False,
                "consecutive_failures": 0,
                "created_at": created,
            }
            for s in range(1, 201)
        ],
        5000,
    )
    # Topic popularity is skewed (a few big topics, a long tail), as with real news.
    weights = [1 / (rank**0.8) for rank in range(1, topics + 1)]
    article_rows: list[dict[str, Any]] = []
    match_rows: list[dict[str, Any]] = []
    story = 0
    for a in range(1, articles + 1):
        seen = NOW - timedelta(seconds=rng.uniform(0, 30 * 3600))
        sort_at = seen - timedelta(minutes=rng.uniform(0, 90))
        story_id = None
        if rng.random() < 0.3:  # a third of articles are one of several reports of a story
            story_id = story // 3 + 1
            story += 1
        article_rows.append(
            {
                "id": a,
                "source_id": rng.randint(1, 200),
                "guid": f"g{a}",
                "url": f"https://news.example/{a}?utm=x&id={a}",
                "title": _title(rng, a),
                "summary": " ".join(rng.choice(WORDS) for _ in range(60)),
                "text": "",
                "lead": "",
                "published_at": sort_at,
                "first_seen_at": seen,
                "sort_at": sort_at,
                "story_id": story_id,
            }
        )
        matched = set(rng.choices(range(1, topics + 1), weights, k=rng.choice((1, 1, 1, 2, 2, 3))))
        for t in matched:
            match_rows.append(
                {
                    "article_id": a,
                    "topic_id": t,
                    "strength": float(rng.choice((1, 2, 3, 3, 4, 5, 6))),
                    "matched": f"k{t}",
                    "sort_at": sort_at,
                }
            )
    await insert_chunked(db, Article, article_rows, 2000)
    await insert_chunked(db, ArticleTopic, match_rows, 5000)
    with_story = [
        (row["id"], row["story_id"], row["sort_at"]) for row in article_rows if row["story_id"]
    ]

    chat_rows: list[dict[str, Any]] = []
    sub_rows: list[dict[str, Any]] = []
    for c in range(1, chats + 1):
        zone = rng.choice(ZONES)
        # Digest time 0, 15 or 30 minutes before NOW in the chat's zone: all due, a few slots.
        slot = NOW - timedelta(minutes=rng.choice((0, 15, 30)))
        digest_time = slot.astimezone(ZoneInfo(zone)).strftime("%H:%M")
        had_one = rng.random() < 0.8
        last = slot - timedelta(days=1)
        if extra.random() < two_times:  # the other digest of the day, 12 h away
            other = (slot + timedelta(hours=12)).astimezone(ZoneInfo(zone)).strftime("%H:%M")
            digest_time = ",".join(sorted({digest_time, other}))
            last = slot - timedelta(hours=12)
        chat_rows.append(
            {
                "id": c,
                "kind": "private",
                "title": f"Chat {c}",
                "language": "en",
                "timezone": zone,
                "digest_times": digest_time,
                "frequency": "daily",
                "weekly_day": 0,
                "max_items": rng.choice((5, 10, 10, 10, 15)),
                "notify_empty": rng.random() < 0.1,
                "active": True,
                "last_digest_at": last if had_one else None,
                "next_digest_at": slot,
                "created_at": created,
                "updated_at": created,
            }
        )
        for t in rng.sample(range(1, topics + 1), rng.randint(1, 5)):
            sub_rows.append({"chat_id": c, "topic_id": t, "created_at": created})
    await insert_chunked(db, Chat, chat_rows, 5000)
    await insert_chunked(db, Subscription, sub_rows, 10000)
    await _seed_alerts(db, chats, topics, alerts, extra, with_story)
    # A live database has planner statistics; a freshly filled one has none (PostgreSQL then
    # guesses a 500-id IN list costs a full scan of the subscriptions: 29 ms instead of ~2).
    async with db.transaction() as session:
        await session.execute(text("ANALYZE"))


async def _seed_alerts(
    db: Database,
    chats: int,
    topics: int,
    share: float,
    rng: random.Random,
    with_story: list[tuple[int, int, datetime]],
) -> None:
    """Give ``share`` of the chats an alert keyword topic: 5 matches, 2 of them sent as alerts."""
    created = NOW - timedelta(days=30)
    topic_rows: list[dict[str, Any]] = []
    subs: list[dict[str, Any]] = []
    matches: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []
    topic_id = topics
    for chat_id in range(1, chats + 1):
        if rng.random() >= share:
            continue
        topic_id += 1
        topic_rows.append(
            {
                "id": topic_id,
                "name": f"kw {chat_id}",
                "name_key": f"kw {chat_id}",
                "keywords": [f"kw{chat_id}"],
                "exclude": [],
                "owner_chat_id": chat_id,
                "alert": True,
                "created_at": created,
                "updated_at": created,
            }
        )
        subs.append({"chat_id": chat_id, "topic_id": topic_id, "created_at": created})
        picked = rng.sample(with_story, 5)
        for article_id, _, sort_at in picked:
            matches.append(
                {
                    "article_id": article_id,
                    "topic_id": topic_id,
                    "strength": 3.0,
                    "matched": f"kw{chat_id}",
                    "sort_at": sort_at,
                }
            )
        for story_id in {story_id for _, story_id, _ in picked[:2]}:
            article_id, _, sort_at = next(p for p in picked if p[1] == story_id)
            sent.append(
                {
                    "chat_id": chat_id,
                    "story_id": story_id,
                    "article_id": article_id,
                    "topic_id": topic_id,
                    "queued_at": sort_at + timedelta(minutes=30),
                }
            )
    await insert_chunked(db, Topic, topic_rows, 5000)
    await insert_chunked(db, Subscription, subs, 10000)
    await insert_chunked(db, ArticleTopic, matches, 5000)
    await insert_chunked(db, SentAlert, sent, 5000)


async def _tick(url: str, batch_size: int) -> dict[str, Any]:
    from digests.editions import run_tick
    from digests.render import Renderer

    db = Database(url)
    try:
        started, cpu = time.perf_counter(), _cpu()
        report = await run_tick(
            db, Renderer(), now=NOW, catch_up=timedelta(hours=6), batch_size=batch_size
        )
        elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
        # Taken before the checks below: SQLite's sum(length(text)) over the 400 MB just
        # queued would add its own ~90 MB to the high-water mark.
        peak = _peak_rss_mb()
        async with db.transaction() as session:
            rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
            editions = await session.scalar(select(func.count()).select_from(DigestEdition))
            chars = await session.scalar(select(func.sum(func.length(OutboxMessage.text))))
    finally:
        await db.close()
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "peak_rss_after_checks_mb": _peak_rss_mb(),
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "summary": report.summary(),
        "messages": report.messages,
        "outbox_rows": rows,
        "editions": editions,
        "avg_chars": (chars or 0) / max(rows or 1, 1),
    }


def _peak_rss_mb() -> float:
    # VmHWM, the high-water mark of this process's own memory: ru_maxrss would carry over the
    # parent's (the seeder's ~220 MB), because exec keeps the figure of the image it replaces.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    # Every thread of this process (aiosqlite runs SQLite in one): comparable on a busy machine.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--two-times", type=float, default=0.2, help="share with two times")
    parser.add_argument("--alerts", type=float, default=0.1, help="share with an alert topic")
    parser.add_argument("--tick-only", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.tick_only:  # the child process: one tick, figures as JSON
        print(json.dumps(asyncio.run(_tick(args.tick_only, args.batch_size))))
        return

    with scratch_database(args.database_url, "newsbot_bench") as (url, engine):
        migrate.upgrade(url)
        started = time.perf_counter()
        mix = (args.two_times, args.alerts)
        asyncio.run(
            seed(url, args.chats, args.articles, args.topics, random.Random(args.seed), mix)
        )
        seeded = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--tick-only", url, "--batch-size", str(args.batch_size)],
            capture_output=True,
            text=True,
        )
        if child.returncode:
            sys.exit(f"the tick failed:\n{child.stderr}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"engine: {engine}   chats: {args.chats:,}   articles: {args.articles:,}   "
          f"topics: {args.topics}   batch: {args.batch_size}   "
          f"two times: {args.two_times:.0%}   alerts: {args.alerts:.0%}")  # fmt: skip
    print(f"seeding (bulk inserts, not part of the tick): {seeded:.1f} s")
    print(f"tick: {figures['seconds']:.1f} s wall, {figures['cpu_seconds']:.1f} s CPU   "
          f"peak RSS of the tick process: {figures['peak_rss_mb']:.0f} MB "
          f"({figures['peak_rss_after_checks_mb']:.0f} MB after counting the rows)")  # fmt: skip
    print(f"  {figures['summary']}")
    print(f"  outbox rows: {figures['outbox_rows']:,}   editions: {figures['editions']:,}   "
          f"avg message: {figures['avg_chars']:.0f} chars")  # fmt: skip
    print(f"  {args.chats / figures['seconds']:,.0f} chats/s")


if __name__ == "__main__":
    main()
