"""/search at scale: time per query (p50, p99) and index size per article, SQLite and PostgreSQL.

Articles are synthetic and bulk-seeded: a title of 6-12 words and a body of ``--body-words``
words (default 80: a summary or lead, not a full 600-word text) drawn from a Zipf-distributed
vocabulary of 60,000 made-up words, a fifth of them Arabic, 2 in 10 articles an extra copy of
an earlier story (same ``story_id``; every story has its ``stories`` row), dated over the last
year. The vocabulary is made of already-folded words (``search_words(w) == w``), so the index
holds what ingest would write.

Each query is 1-3 words drawn from the same distribution, leaving out the 100 commonest words
(nobody searches for "the"); a tenth of the queries add ``since:30d``, a tenth are a "phrase"
of two such words that follow each other in some article, a tenth add a ``-word``. A query is timed
through :func:`digests.search.search`, the whole use case /search runs: the index look-up,
ranking, one item per story and the page's headlines.

Run: .venv/bin/python bench/search.py [--articles 100000] [--queries 1000]
     [--db sqlite|postgresql|both] [--database-url postgresql+asyncpg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import insert_chunked, pg_execute, scratch_database  # noqa: E402
from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.matching import search_words  # noqa: E402
from digests.models import Article, Source, Story  # noqa: E402
from digests.search import parse_search, search  # noqa: E402
from digests.store import search as search_store  # noqa: E402

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
VOCABULARY = 60_000
SOURCES = 50
SEED_CHUNK = 20_000
LATIN = "bcdfghjklmnprstvz"
VOWELS = "aeiou"
ARABIC = "بتثجحخدذرسشصضطظعغفقكلمنهي"  # no alef, waw or teh marbuta: nothing folds or strips


def vocabulary(rng: random.Random) -> list[str]:
    """Distinct made-up words that folding leaves as they are, a fifth of them Arabic."""
    found: dict[str, None] = {}
    while len(found) < VOCABULARY:
        if rng.random() < 0.2:
            word = "".join(rng.choice(ARABIC) for _ in range(rng.randint(3, 7)))
        else:
            word = "".join(rng.choice(LATIN) + rng.choice(VOWELS) for _ in range(rng.randint(2, 5)))
        if search_words(word) == [word]:
            found[word] = None
    return list(found)


def zipf_weights(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1)
    return weights / weights.sum()


def texts(
    words: list[str], count: int, per_text: tuple[int, int], np_rng: np.random.Generator
) -> list[str]:
    """``count`` texts of ``per_text`` (low, high) Zipf-drawn words."""
    lengths = np_rng.integers(per_text[0], per_text[1] + 1, size=count)
    drawn = np_rng.choice(len(words), size=int(lengths.sum()), p=zipf_weights(len(words)))
    out: list[str] = []
    start = 0
    for length in lengths:
        out.append(" ".join(words[i] for i in drawn[start : start + length]))
        start += length
    return out


async def seed(db: Database, count: int, body_words: int, words: list[str]) -> float:
    """Store ``count`` articles and index them; seconds taken."""
    started = time.perf_counter()
    np_rng = np.random.default_rng(7)
    rng = random.Random(7)
    async with db.transaction() as session:
        session.add_all(
            [
                Source(
                    id=s,
                    url=f"https://s{s}.example/rss",
                    name=f"Source {s}",
                    fetch_interval=900,
                    created_at=NOW,
                )
                for s in range(1, SOURCES + 1)
            ]
        )
    low, high = max(1, body_words // 2), body_words * 3 // 2
    recent: deque[int] = deque(maxlen=50)  # the stories of the last 50 articles
    for first in range(1, count + 1, SEED_CHUNK):
        size = min(SEED_CHUNK, count - first + 1)
        titles = texts(words, size, (6, 12), np_rng)
        bodies = texts(words, size, (low, high), np_rng)
        rows = []
        for offset in range(size):
            article_id = first + offset
            # Ids grow with time, as stored articles do: the newest id is the newest article.
            seen = NOW - timedelta(days=365) * (1 - article_id / count)
            copy = bool(recent) and rng.random() < 0.2
            story_id = rng.choice(recent) if copy else article_id
            recent.append(story_id)
            rows.append(
                {
                    "id": article_id,
                    "source_id": rng.randint(1, SOURCES),
                    "guid": str(article_id),
                    "url": f"https://news.example/{article_id}",
                    "title": titles[offset],
                    "summary": bodies[offset],
                    "text": "",
                    "lead": "",
                    "language": "ar" if rng.random() < 0.2 else "en",
                    "first_seen_at": seen,
                    "sort_at": seen,
                    "story_id": story_id,
                }
            )
        stories = [
            {
                "id": r["id"],
                "first_article_id": r["id"],
                "first_source_id": r["source_id"],
                "first_seen_at": r["first_seen_at"],
                "title": r["title"][:200],
                "article_count": 1,
                "updated_at": r["first_seen_at"],
            }
            for r in rows
            if r["story_id"] == r["id"]
        ]
        await insert_chunked(db, Story, stories)
        await insert_chunked(db, Article, rows)
        async with db.transaction() as session:
            await search_store.index_articles(
                session,
                (
                    search_store.IndexedText(r["id"], r["sort_at"], r["title"], r["summary"])
                    for r in rows
                ),
                fresh=True,
            )
        done = first + size - 1
        if done % 100_000 < SEED_CHUNK or done == count:
            print(f"  seeded {done:,} articles, {time.perf_counter() - started:.0f} s", flush=True)
    return time.perf_counter() - started


def queries(words: list[str], count: int, bodies: list[str], rng: random.Random) -> list[str]:
    """``count`` queries of 1-3 words, some with since:, a phrase or an excluded word."""
    np_rng = np.random.default_rng(11)
    pool = words[100:]
    common = set(words[:100])
    pairs = [
        f"{a} {b}"
        for body in bodies
        for a, b in zip(body.split(), body.split()[1:], strict=False)
        if a not in common and b not in common
    ]
    drawn = np_rng.choice(len(pool), size=count * 3, p=zipf_weights(len(pool)))
    made = []
    for n in range(count):
        picked = [pool[i] for i in drawn[n * 3 : n * 3 + rng.randint(1, 3)]]
        kind = rng.random()
        if kind < 0.1:
            picked.append("since:30d")
        elif kind < 0.2:
            picked = [f'"{rng.choice(pairs)}"']
        elif kind < 0.3:
            picked.append(f"-{pool[rng.randrange(len(pool))]}")
        made.append(" ".join(picked))
    return made


async def index_size(db: Database) -> int:
    """Bytes the search index takes: its table and (SQLite) the FTS5 tables behind it."""
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            found = await session.scalar(text("SELECT pg_total_relation_size('article_search')"))
        else:
            found = await session.scalar(
                text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'article_search%' "
                    "OR name LIKE 'sqlite_autoindex_article_search%'"
                )
            )
    return int(found or 0)


async def measure(url: str, engine: str, args: argparse.Namespace) -> dict[str, float]:
    db = Database(url)
    try:
        rng = random.Random(3)
        words = vocabulary(rng)
        seconds = await seed(db, args.articles, args.body_words, words)
        if engine == "PostgreSQL":
            await pg_execute(url, "VACUUM ANALYZE")
        else:
            async with db.transaction() as session:
                await session.execute(text("ANALYZE"))
        size = await index_size(db)
        sample = texts(words, 200, (args.body_words, args.body_words), np.random.default_rng(5))
        typed = queries(words, args.queries, sample, rng)
        for warm in typed[:50]:
            await search(db, parse_search(warm, NOW), NOW)
        times: list[float] = []
        found: list[int] = []
        for query in typed:
            started = time.perf_counter()
            page = await search(db, parse_search(query, NOW), NOW)
            times.append((time.perf_counter() - started) * 1000)
            found.append(len(page.headlines))
        times.sort()
        return {
            "seed_s": seconds,
            "p50": statistics.median(times),
            "p99": times[int(len(times) * 0.99) - 1],
            "max": times[-1],
            "bytes_per_article": size / args.articles,
            "with_results": sum(1 for n in found if n) / len(found),
        }
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--body-words", type=int, default=80)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL server to make a scratch database on",
    )
    args = parser.parse_args()
    engines = {"sqlite": [None], "postgresql": [args.database_url]}.get(
        args.db, [None, args.database_url]
    )
    print(
        f"{args.articles:,} articles (title 6-12 words, body ~{args.body_words} words), "
        f"{args.queries:,} queries of 1-3 words"
    )
    print(
        "| database | seed + index | p50 | p99 | max | index per article | queries with results |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for base in engines:
        with scratch_database(base, "bench_search") as (url, engine):
            migrate.upgrade(url)
            figures = asyncio.run(measure(url, engine, args))
        print(
            f"| {engine} | {figures['seed_s']:.0f} s | {figures['p50']:.1f} ms "
            f"| {figures['p99']:.1f} ms | {figures['max']:.1f} ms "
            f"| {figures['bytes_per_article']:.0f} B | {figures['with_results']:.0%} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
