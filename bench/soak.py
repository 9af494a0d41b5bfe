"""Soak: does a running bot's memory stay flat while news flows in?

Runs the real ``newsbot run`` process (a subprocess, as an operator runs it) against the test
Bot API server and a local feed server whose feeds gain new items every minute, and prints,
once a minute: articles stored, the process's resident memory (VmRSS), and its CPU time. At
the end: memory growth per stored article after warm-up, CPU per stored article (ingest is
most of it), and /latest latency (a chat sends /latest each minute; the time until the reply
reaches the Bot API server).

Each feed serves the items that appeared since its previous fetch plus the ten before them
(so storage also skips known ones); a fifth of the items are near-copies (5% of words
changed) of another feed's item, so stories form. 50 chats follow 20 topics.

    .venv/bin/python bench/soak.py                     # 3 minutes, 600 items/min, SQLite
    .venv/bin/python bench/soak.py --minutes 20 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/soak.py --week              # 100,000 articles as fast as ingest goes
    .venv/bin/python bench/soak.py --root /tmp/before  # another checkout's code (before/after)

``--week`` is a simulated week: 100,000 articles (a week of ~14,000 a day) pushed through as
fast as the bot takes them (200 feeds, each fetched every minute), not in real time; it ends
when they are all stored.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import asyncpg
from aiohttp import web
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests.db import Database  # noqa: E402
from digests.models import Article, Chat, Source, Subscription, Topic  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402

SHARED = Path(os.environ.get("NEWSBOT_SHARED", ROOT.parent / "shared"))
OVERLAP = 10  # items a fetch sees again: storage must recognise them
COPY_SHARE = 0.2
CHATS = 50
TOPICS = 20
LATEST_CHAT = 1


def vocabulary() -> list[str]:
    """Plain English words from the corpus's expected article texts."""
    found: set[str] = set()
    for page in sorted((SHARED / "corpus" / "pages").glob("aeb-*.expected.txt")):
        found.update(w for w in page.read_text().split() if w.isascii() and w.isalpha())
    return sorted(found)


@dataclass
class Feeds:
    """``feeds`` feeds gaining ``per_minute`` items a minute in all, up to ``total`` items."""

    feeds: int
    per_minute: float
    total: int | None
    words: list[str]
    started: float = field(default_factory=time.monotonic)
    served: dict[int, int] = field(default_factory=dict)

    def available(self, feed: int) -> int:
        minutes = (time.monotonic() - self.started) / 60
        count = int(minutes * self.per_minute / self.feeds) + 1
        if self.total is not None:
            count = min(count, self.total // self.feeds)
        return count

    def item(self, feed: int, n: int) -> tuple[str, str]:
        rng = random.Random(feed * 1_000_003 + n)
        if feed > 0 and n > 0 and rng.random() < COPY_SHARE:
            title, body = self.item(rng.randrange(feed), rng.randrange(n))
            words = body.split()
            for i in rng.sample(range(len(words)), len(words) // 20):
                words[i] = rng.choice(self.words)
            return title, " ".join(words)
        title = " ".join(rng.choice(self.words) for _ in range(9))
        return title.capitalize(), " ".join(rng.choice(self.words) for _ in range(120))

    def body(self, feed: int) -> bytes:
        top = self.available(feed)
        start = max(0, self.served.get(feed, 0) - OVERLAP)
        self.served[feed] = top
        stamp = format_datetime(datetime.now(UTC))
        items = "".join(
            f"<item><title>{escape(title)}</title><link>https://f{feed}.example/{n}</link>"
            f"<guid>{feed}-{n}</guid><description>{escape(body)}</description>"
            f"<pubDate>{stamp}</pubDate></item>"
            for n in range(start, top)
            for title, body in [self.item(feed, n)]
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Feed {feed}</title><link>https://f{feed}.example/</link>{items}"
            "</channel></rss>"
        ).encode()


async def serve_feeds(feeds: Feeds) -> tuple[web.AppRunner, int]:
    async def handle(request: web.Request) -> web.Response:
        body = feeds.body(int(request.match_info["feed"]))
        return web.Response(body=body, content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed/{feed}.xml", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    return runner, server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]


async def seed(url: str, feeds: Feeds, port: int) -> None:
    """Sources, topics and chats, written directly (the schema is the same before/after)."""
    now = datetime.now(UTC)
    db = Database(url)
    rng = random.Random(7)
    try:
        async with db.transaction() as session:
            await session.execute(
                insert(Source),
                [
                    {
                        "url": f"http://127.0.0.1:{port}/feed/{i}.xml",
                        "name": f"Feed {i}",
                        "kind": "feed",
                        "fetch_interval": 60,
                        "paused": False,
                        "consecutive_failures": 0,
                        "created_at": now,
                    }
                    for i in range(feeds.feeds)
                ],
            )
            await session.execute(
                insert(Topic),
                [
                    {
                        "id": t + 1,
                        "name": f"Topic {t}",
                        "name_key": f"topic {t}",
                        "keywords": rng.sample(feeds.words, 3),
                        "exclude": [],
                        "created_at": now,
                        "updated_at": now,
                    }
                    for t in range(TOPICS)
                ],
            )
            await session.execute(
                insert(Chat),
                [
                    {
                        "id": c,
                        "kind": "private",
                        "title": "",
                        "language": "en",
                        "timezone": "UTC",
                        "digest_times": (now + timedelta(minutes=30)).strftime("%H:%M"),
                        "frequency": "daily",
                        "weekly_day": 0,
                        "max_items": 10,
                        "notify_empty": False,
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for c in range(1, CHATS + 1)
                ],
            )
            await session.execute(
                insert(Subscription),
                [
                    {"chat_id": c, "topic_id": t, "created_at": now}
                    for c in range(1, CHATS + 1)
                    for t in rng.sample(range(1, TOPICS + 1), 3)
                ],
            )
    finally:
        await db.close()


async def count_articles(db: Database, last: int) -> int:
    """Articles stored so far; ``last`` when SQLite is too busy to answer within its timeout."""
    try:
        async with db.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(Article)) or 0)
    except OperationalError:
        return last


def process_figures(pid: int) -> tuple[float, float]:
    """Resident memory (MB) and CPU seconds (user + system) of process ``pid``."""
    with open(f"/proc/{pid}/status") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return rss_kb / 1024, (int(fields[11]) + int(fields[12])) / ticks


async def latest_latency(server: BotApiServer) -> float | None:
    """Seconds from sending /latest to the bot's reply, or None if no reply came in 30 s."""
    mark = server.mark()
    start = time.perf_counter()
    server.inject_message(LATEST_CHAT, "/latest")
    try:
        await server.wait_for_call("sendMessage", chat_id=LATEST_CHAT, since=mark, timeout=30)
    except (TimeoutError, AssertionError):
        return None
    return time.perf_counter() - start


@dataclass
class Sample:
    minute: float
    articles: int
    rss_mb: float
    cpu_s: float
    latest_s: float | None


async def create_pg_database(admin_url: str) -> str:
    name = f"newsbot_soak_{os.getpid()}"
    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def drop_pg_database(admin_url: str, url: str) -> None:
    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def soak(args: argparse.Namespace, root: Path, tmp: str) -> list[Sample]:
    if args.database_url:
        url = await create_pg_database(args.database_url)
    else:
        url = f"sqlite+aiosqlite:///{tmp}/soak.db"
    total = 100_000 if args.week else None
    feeds = Feeds(args.feeds, args.per_minute, total, vocabulary())
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DATABASE_URL": url,
        "ALLOW_PRIVATE_SOURCES": "true",
        "FETCH_PAGES": "false",
        "LOG_LEVEL": "WARNING",
    }
    upgrade = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", cwd=root, env=env
    )
    if await upgrade.wait() != 0:
        raise RuntimeError("newsbot db upgrade failed")
    runner, port = await serve_feeds(feeds)
    await seed(url, feeds, port)
    db = Database(url)
    samples: list[Sample] = []
    async with BotApiServer() as server:
        env |= {"BOT_TOKEN": server.token, "BOT_API_URL": server.base_url}
        log = os.open(os.path.join(tmp, "bot.log"), os.O_WRONLY | os.O_CREAT)
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=root, env=env, stdout=log, stderr=log
        )
        feeds.started = time.monotonic()
        started = time.monotonic()
        print(f"{'minute':>6} {'articles':>9} {'RSS MB':>7} {'CPU s':>7} {'/latest s':>9}")
        try:
            while True:
                await asyncio.sleep(args.sample)
                if bot.returncode is not None:
                    raise RuntimeError(f"newsbot run exited; see {tmp}/bot.log")
                latency = await latest_latency(server)
                rss, cpu = process_figures(bot.pid)
                sample = Sample(
                    (time.monotonic() - started) / 60,
                    await count_articles(db, samples[-1].articles if samples else 0),
                    rss,
                    cpu,
                    latency,
                )
                samples.append(sample)
                shown = f"{latency:9.3f}" if latency is not None else f"{'-':>9}"
                print(
                    f"{sample.minute:6.1f} {sample.articles:9,d} {rss:7.1f} {cpu:7.1f} {shown}",
                    flush=True,
                )
                if args.week:
                    if sample.articles >= (total or 0) * 0.99:
                        break
                elif sample.minute >= args.minutes:
                    break
        finally:
            bot.terminate()
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
            os.close(log)
            await db.close()
            await runner.cleanup()
            if args.database_url:
                await drop_pg_database(args.database_url, url)
    return samples


def report(samples: list[Sample], warm_share: float) -> None:
    """Growth per article after warm-up (the first ``warm_share`` of the articles)."""
    last = samples[-1]
    warm = next(s for s in samples if s.articles >= last.articles * warm_share)
    grown = last.articles - warm.articles
    print(f"\narticles stored: {last.articles:,}; resident memory at the end: {last.rss_mb:.1f} MB")
    if grown > 0:
        per_article = (last.rss_mb - warm.rss_mb) * 1024 * 1024 / grown
        print(
            f"after warm-up ({warm.articles:,} articles, {warm.rss_mb:.1f} MB): "
            f"{per_article / 1024:+.2f} KB per stored article over {grown:,} articles"
        )
        cpu = (last.cpu_s - warm.cpu_s) * 1000 / grown
        print(f"CPU of the bot process per stored article after warm-up: {cpu:.2f} ms")
    latencies = [s.latest_s for s in samples if s.latest_s is not None]
    if latencies:
        print(
            f"/latest: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"worst {max(latencies) * 1000:.0f} ms over {len(latencies)} requests"
            f"{'' if len(latencies) == len(samples) else ' (some got no reply in 30 s)'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long (not with --week)")
    parser.add_argument("--feeds", type=int, default=None, help="default 20 (200 with --week)")
    parser.add_argument("--per-minute", type=float, default=None, help="new items a minute")
    parser.add_argument("--week", action="store_true", help="100,000 articles, fast")
    parser.add_argument("--sample", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--warm-up", type=float, default=0.25, help="share of articles")
    parser.add_argument("--database-url", default="", help="a PostgreSQL admin URL; else SQLite")
    parser.add_argument("--root", default=str(ROOT), help="the checkout whose code runs")
    args = parser.parse_args()
    if args.feeds is None:
        args.feeds = 200 if args.week else 20
    if args.per_minute is None:
        args.per_minute = 20_000 if args.week else 600
    print(
        f"soak: {args.feeds} feeds, {args.per_minute:,.0f} new items a minute"
        f"{', until 100,000 articles' if args.week else f', {args.minutes:g} minutes'}, "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}, code from {args.root}"
    )
    samples = asyncio.run(soak(args, Path(args.root).resolve(), tempfile.mkdtemp(prefix="soak-")))
    report(samples, args.warm_up)


if __name__ == "__main__":
    main()
