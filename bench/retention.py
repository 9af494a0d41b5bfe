"""Benchmark retention: 30 simulated days of a busy bot, pruned as configured, size per day.

Each simulated day bulk-inserts what a day of the real bot writes (the articles with full text,
stories, topic matches and signatures; one digest edition and ~1.2 outbox messages of ~3,300
characters per chat, as the 100k-chat tick writes them; a broadcast now and then), then runs one
prune pass at the day's end (the bot prunes hourly: a day's pass is what 24 of them do) and
prints the database size. At the end it measures the sender's claim latency with and without a
prune of a day's rows running in the same process (the bot runs both in one event loop).

    .venv/bin/python bench/retention.py                        # SQLite, a temp file
    .venv/bin/python bench/retention.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/retention.py --chats 20000 --days 15   # smaller

On PostgreSQL it creates and drops its own database next to the one named in the URL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from bench._support import insert_chunked, scratch_database  # noqa: E402
from digests import migrate, retention  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import (  # noqa: E402
    Article,
    ArticleSignature,
    ArticleTopic,
    Broadcast,
    DigestEdition,
    OutboxMessage,
    Source,
    Story,
    Topic,
)
from digests.retention import RetentionPolicy  # noqa: E402
from digests.stats import percentile  # noqa: E402
from digests.store import outbox as outbox_store  # noqa: E402
from digests.store import space  # noqa: E402

START = datetime(2026, 10, 1, tzinfo=UTC)
DAY = timedelta(days=1)
# fmt: off
WORDS = [
    "syria", "iraq", "border", "oil", "talks", "election", "market", "storm", "match", "final",
    "court", "minister", "protest", "deal", "bank", "rates", "drought", "harvest", "summit",
    "strike", "aid", "vote", "the", "of", "and", "to", "in", "a", "on", "for", "with", "by",
    "from", "government", "officials", "said", "president", "week", "after", "people", "city",
    "country", "report", "police", "forces",
]
# fmt: on
TOPICS = 50
SOURCES = 200


def _words(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


class Pools:
    """Texts made once and reused: building 120,000 distinct 3 KB strings a day would be the
    benchmark's own bottleneck. Each row still differs (its own prefix), and PostgreSQL
    compresses each value on its own, so reuse does not flatter the sizes."""

    def __init__(self, rng: random.Random) -> None:
        self.digests = [_words(rng, 3300) for _ in range(400)]
        self.texts = [_words(rng, 2500) for _ in range(400)]
        self.summaries = [_words(rng, 300) for _ in range(400)]
        self.leads = [_words(rng, 200) for _ in range(400)]
        self.signatures = [rng.randbytes(513) for _ in range(400)]


async def _seed_fixed(db: Database) -> None:
    await insert_chunked(
        db,
        Topic,
        [
            {
                "id": t,
                "name": f"Topic {t}",
                "name_key": f"topic {t}",
                "keywords": [f"k{t}"],
                "exclude": [],
                "created_at": START,
                "updated_at": START,
            }
            for t in range(1, TOPICS + 1)
        ],
        1000,
    )
    await insert_chunked(
        db,
        Source,
        [
            {
                "id": s,
                "url": f"https://source{s}.example/feed",
                "name": f"Source {s}",
                "kind": "feed",
                "fetch_interval": 900,
                "paused": False,
                "consecutive_failures": 0,
                "created_at": START,
            }
            for s in range(1, SOURCES + 1)
        ],
        1000,
    )


class Day:
    """Writes one simulated day."""

    def __init__(self, db: Database, pools: Pools, rng: random.Random, args: Any) -> None:
        self.db, self.pools, self.rng, self.args = db, pools, rng, args
        self.article_id = 0
        self.story_id = 0

    async def write(self, day: int) -> None:
        midnight = START + day * DAY
        await self._articles(midnight)
        await self._outbox(day, midnight)
        if day % 3 == 0:
            async with self.db.transaction() as session:
                session.add(
                    Broadcast(
                        admin_id=1,
                        text="Breaking",
                        audience="all",
                        status="done",
                        recipients=self.args.chats,
                        created_at=midnight + timedelta(hours=9),
                    )
                )

    async def _articles(self, midnight: datetime) -> None:
        rng, pools = self.rng, self.pools
        articles: list[dict[str, Any]] = []
        stories: list[dict[str, Any]] = []
        matches: list[dict[str, Any]] = []
        signatures: list[dict[str, Any]] = []
        for n in range(self.args.articles):
            self.article_id += 1
            a = self.article_id
            seen = midnight + timedelta(seconds=86400 * n / self.args.articles)
            if n % 3 == 0 or self.story_id == 0:  # a story carried by about three sources
                self.story_id += 1
                stories.append(
                    {
                        "id": self.story_id,
                        "first_article_id": a,
                        "first_source_id": a % SOURCES + 1,
                        "first_seen_at": seen,
                        "first_published_at": seen,
                        "title": f"Story {self.story_id}",
                        "article_count": 3,
                        "updated_at": seen,
                    }
                )
            articles.append(
                {
                    "id": a,
                    "source_id": a % SOURCES + 1,
                    "guid": f"g{a}",
                    "url": f"https://news.example/{a}",
                    "title": f"{a}: {rng.choice(pools.leads)[:90]}",
                    "summary": rng.choice(pools.summaries),
                    "text": rng.choice(pools.texts),
                    "lead": rng.choice(pools.leads),
                    "language": "en",
                    "published_at": seen,
                    "first_seen_at": seen,
                    "sort_at": seen,
                    "story_id": self.story_id,
                }
            )
            for t in {rng.randint(1, TOPICS) for _ in range(rng.choice((1, 2, 3)))}:
                match = {"article_id": a, "topic_id": t, "strength": 1.0, "matched": ""}
                matches.append({**match, "sort_at": seen})
            signatures.append(
                {"article_id": a, "signature": rng.choice(pools.signatures), "created_at": seen}
            )
        await insert_chunked(self.db, Story, stories, 2000)
        await insert_chunked(self.db, Article, articles, 2000)
        await insert_chunked(self.db, ArticleTopic, matches, 5000)
        await insert_chunked(self.db, ArticleSignature, signatures, 5000)

    async def _outbox(self, day: int, midnight: datetime) -> None:
        rng, pools, chats = self.rng, self.pools, self.args.chats
        rows: list[dict[str, Any]] = []
        editions: list[dict[str, Any]] = []
        created = midnight + timedelta(hours=8)
        messages = int(chats * 1.2)  # the 100k tick queues ~120k messages (long digests split)
        for m in range(messages):
            chat = m % chats + 1
            roll = rng.random()
            status = "sent" if roll < 0.985 else "dropped" if roll < 0.999 else "failed"
            rows.append(
                {
                    "key": f"digest:{chat}:{day}:{m // chats}",
                    "chat_id": chat,
                    "lane": 3,  # Lane.DIGEST
                    "text": f"<b>Your digest</b> {chat} {day}\n{rng.choice(pools.digests)}",
                    "html": True,
                    "disable_preview": True,
                    "status": status,
                    "attempts": 1,
                    "not_before": created,
                    "due_at": created,
                    "created_at": created,
                    "claimed_at": created,
                    "sent_at": created + timedelta(seconds=m / 25) if status == "sent" else None,
                    "outcome": "",
                }
            )
            if m < chats:
                editions.append(
                    {
                        "chat_id": chat,
                        "period": f"{day}",
                        "slot_at": created,
                        "items": 10,
                        "parts": 1,
                        "created_at": created,
                    }
                )
        await insert_chunked(self.db, OutboxMessage, rows, 5000)
        await insert_chunked(self.db, DigestEdition, editions, 10000)


async def database_bytes(db: Database) -> int:
    """The size on disk; SQLite's WAL is folded in first so the file is the whole database."""
    if db.dialect == "sqlite":
        async with db.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    async with db.transaction() as session:
        return (await space.database_size(session)).total_bytes


async def autovacuum_stand_in(db: Database) -> None:
    """What autovacuum does over a real day, done at once: a simulated day lasts seconds, far
    less than autovacuum's one-minute nap, so without this PostgreSQL would never get to reuse
    the space of deleted rows here. Plain VACUUM (no FULL): it marks the space reusable."""
    engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.exec_driver_sql("VACUUM")


async def claim_latencies(db: Database, now: datetime, until: asyncio.Event) -> list[float]:
    """What the sender does, as fast as a 25 msg/s sender claims: claim a batch, mark it sent.

    Returns the wall time of each claim transaction, in milliseconds.
    """
    latencies: list[float] = []
    while not until.is_set():
        started = time.perf_counter()
        async with db.transaction() as session:
            claimed = await outbox_store.claim(session, now, 32)
        latencies.append((time.perf_counter() - started) * 1000)
        if not claimed:
            break
        marks = [
            outbox_store.Mark(m.id, outbox_store.Status.SENT, 1, "", now, now, 1) for m in claimed
        ]
        async with db.transaction() as session:
            await outbox_store.record(session, marks)
        await asyncio.sleep(0.05)
    return latencies


async def _queue_for_sender(db: Database, pools: Pools, at: datetime, count: int) -> None:
    drafts = [
        outbox_store.OutboxDraft(
            key=f"bench:{at.isoformat()}:{n}",
            chat_id=n + 1,
            lane=outbox_store.Lane.DIGEST,
            text=pools.digests[n % len(pools.digests)],
        )
        for n in range(count)
    ]
    async with db.transaction() as session:
        await outbox_store.enqueue(session, drafts, at)


def _p(values: list[float], q: float) -> str:
    found = percentile(values, q)
    return "–" if found is None else f"{found:.1f}"


async def simulate(url: str, args: Any) -> None:
    rng = random.Random(args.seed)
    pools = Pools(rng)
    policy = RetentionPolicy(
        outbox_done=timedelta(days=args.outbox_days),
        outbox_failed=timedelta(days=30),
        article_text=timedelta(days=args.text_days),
        history=timedelta(days=30),
        batch_rows=args.batch_rows,
    )
    db = Database(url)
    try:
        await _seed_fixed(db)
        writer = Day(db, pools, rng, args)
        print(" day   size MB   +MB/day   written s   prune s   removed")
        previous = 0
        for day in range(args.days):
            started = time.perf_counter()
            await writer.write(day)
            written = time.perf_counter() - started
            end_of_day = START + (day + 1) * DAY - timedelta(minutes=1)
            report = await retention.prune(db, policy, now=end_of_day)
            if db.dialect == "postgresql" and not args.no_vacuum:
                await autovacuum_stand_in(db)
            size = await database_bytes(db)
            grew = (size - previous) / 1e6
            previous = size
            print(
                f"{day + 1:>4}  {size / 1e6:>8,.0f}  {grew:>+8,.0f}  {written:>10.1f}  "
                f"{report.seconds:>8.1f}   {report.total:,}",
                flush=True,
            )
        await _claims(db, pools, policy, args)
    finally:
        await db.close()


async def _claims(db: Database, pools: Pools, policy: RetentionPolicy, args: Any) -> None:
    """Claim p99 alone, then while a prune removes a day's rows (the next day's pass)."""
    at = START + args.days * DAY
    await _queue_for_sender(db, pools, at, args.queued)
    quiet = asyncio.Event()
    timer = asyncio.get_running_loop().call_later(args.quiet_seconds, quiet.set)
    alone = await claim_latencies(db, at, quiet)
    timer.cancel()

    busy = asyncio.Event()
    sender = asyncio.create_task(claim_latencies(db, at, busy))
    report = await retention.prune(db, policy, now=at + DAY)
    busy.set()
    during = await sender
    print(
        f"sender claim (32 rows) alone: n={len(alone)}  p50 {_p(alone, 50)} ms  "
        f"p99 {_p(alone, 99)} ms  max {max(alone):.1f} ms"
    )
    print(
        f"during a prune of {report.total:,} rows ({report.seconds:.1f} s, "
        f"{report.batches} batches of {policy.batch_rows}): n={len(during)}  "
        f"p50 {_p(during, 50)} ms  p99 {_p(during, 99)} ms  max {max(during):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=10_000, help="new articles a day")
    parser.add_argument("--outbox-days", type=int, default=7)
    parser.add_argument("--text-days", type=int, default=90)
    parser.add_argument("--batch-rows", type=int, default=500)
    parser.add_argument("--queued", type=int, default=20_000, help="rows for the claim test")
    parser.add_argument("--quiet-seconds", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: no VACUUM after each day"
    )
    args = parser.parse_args()

    with scratch_database(args.database_url, "newsbot_bench_retention") as (url, engine):
        print(
            f"engine: {engine}   chats: {args.chats:,}   articles/day: {args.articles:,}   "
            f"days: {args.days}   outbox kept {args.outbox_days} d, texts {args.text_days} d, "
            f"editions 30 d   batch {args.batch_rows}"
        )
        migrate.upgrade(url)
        asyncio.run(simulate(url, args))


if __name__ == "__main__":
    main()
