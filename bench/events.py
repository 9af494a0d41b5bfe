"""Event grouping: time per new article with N stories stored in the 48-hour window.

The stored stories are made from the corpus's English feed entries: each is an entry with a
share of its words swapped for others of the corpus, a made-up name and a number, so the
database holds N distinct profiles with realistic term frequencies (every one dated within
the last 48 hours, so all are in the window). Their profiles, lookup keys and day counts are
inserted in bulk, as ingest would have stored them. Then the corpus's real February 2026
reports arrive in fetches of ``--batch`` articles, each fetch one transaction through
``digests.event_assignment.assign_events`` (what ingest runs after copy detection), and the
time per article is printed with the memory the step allocates. The labeled-pair figures of
``tests/digests/data/events`` are printed too.

Run: .venv/bin/python bench/events.py [--stored 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._support import insert_chunked, scratch_database  # noqa: E402
from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.errors import FeedParseError  # noqa: E402
from digests.event_assignment import assign_events  # noqa: E402
from digests.event_evaluation import CorpusFrequencies  # noqa: E402
from digests.events import Member, Weights  # noqa: E402
from digests.eventtext import profile  # noqa: E402
from digests.models import Event, EventKey, EventProfile, EventTerm, Story  # noqa: E402
from digests.sources.parse import parse_feed  # noqa: E402
from digests.store.events import STORIES_KEY, day_of  # noqa: E402
from digests.types import NewArticle  # noqa: E402

NOW = datetime(2026, 2, 18, 2, tzinfo=UTC)
NEWS = [
    "abcnews-international",
    "aljazeera-all",
    "bbc-news-world",
    "cbsnews-world",
    "dawn-world",
    "dw-rss10",
    "japantoday-world",
    "mercopress",
    "ndtv-news",
    "npr-world",
    "nyt-world",
    "washingtonpost-world",
]


def corpus_entries(shared: Path) -> list[tuple[str, str, datetime]]:
    """(title, summary, date) of every entry of the February 2026 news feeds."""
    found = []
    for name in NEWS:
        path = shared / "corpus" / "feeds" / f"ffp-{name}.xml"
        try:
            feed = parse_feed(path.read_bytes(), url=f"https://corpus.test/{name}")
        except FeedParseError:
            continue
        found.extend(
            (e.title, e.summary, e.published_at or NOW) for e in feed.entries if e.title.strip()
        )
    return found


def synthetic(entries: list[tuple[str, str, datetime]], n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` distinct stories made from ``entries`` (see the module doc)."""
    rng = random.Random(seed)
    vocabulary = sorted({w for title, summary, _ in entries for w in f"{title} {summary}".split()})
    syllables = ["ka", "lo", "mi", "ran", "tu", "ver", "sa", "dor", "el", "bin", "zu", "qa"]
    made = []
    for _ in range(n):
        title, summary, _at = rng.choice(entries)
        words = f"{title} || {summary}".split()
        words = [rng.choice(vocabulary) if rng.random() < 0.3 else w for w in words]
        name = "".join(rng.choice(syllables) for _ in range(3)).capitalize()
        text = " ".join(words)
        head, _, tail = text.partition("||")
        made.append((f"{name} {head.strip()} {rng.randint(2, 999)}", tail.strip()))
    return made


async def fill(db: Database, stories: list[tuple[str, str]], seed: int) -> float:
    """Store ``stories`` as ingest would have (one event each); returns the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    stories_rows, events, profiles, keys = [], [], [], []
    terms: Counter[tuple[int, datetime]] = Counter()
    counted = [profile(title, summary, "", "en") for title, summary in stories]
    # Stored profiles hold TF-IDF vectors weighed when they were stored: here, by the whole set.
    weights = Weights(CorpusFrequencies(counted))
    for n, ((title, _summary), found) in enumerate(zip(stories, counted, strict=True), 1):
        at = NOW - timedelta(seconds=rng.randrange(int(timedelta(hours=47).total_seconds())))
        stored = weights.weighted(Member(n, n, 1 + n % 500, at, found))
        stories_rows.append(
            {"id": n, "first_article_id": n, "first_source_id": 1 + n % 500, "first_seen_at": at}
            | {"title": title, "article_count": 1, "updated_at": at, "event_id": n}
        )
        events.append(
            {"id": n, "first_story_id": n, "first_at": at, "story_count": 1, "updated_at": at}
        )
        profiles.append(
            {"story_id": n, "event_id": n, "source_id": 1 + n % 500, "at": at}
            | {"profile": stored.to_bytes()}
        )
        keys.extend({"key": k, "story_id": n, "at": at} for k in found.lookup_keys())
        terms[(STORIES_KEY, day_of(at))] += 1
        for key in found.all_keys():
            terms[(key, day_of(at))] += 1
    await insert_chunked(db, Story, stories_rows)
    await insert_chunked(db, Event, events)
    await insert_chunked(db, EventProfile, profiles)
    await insert_chunked(db, EventKey, keys, chunk=20000)
    rows = [{"key": k, "day": d, "stories": c} for (k, d), c in terms.items()]
    await insert_chunked(db, EventTerm, rows, chunk=20000)
    return time.perf_counter() - started


async def arrive(
    db: Database,
    entries: list[tuple[str, str, datetime]],
    batch: int,
    first_id: int,
    *,
    trace: bool = False,
) -> tuple[list[float], int, int]:
    """The real entries arriving ``batch`` a fetch; per-article times, peak bytes, joined."""
    per_article: list[float] = []
    peak = joined = 0
    story_id = first_id
    for start in range(0, len(entries), batch):
        chunk = entries[start : start + batch]
        started_stories = []
        async with db.transaction() as session:
            rows = []
            for title, summary, at in chunk:
                story_id += 1
                at = min(at, NOW)
                article = NewArticle(
                    story_id,
                    1 + story_id % 12,
                    f"https://n.example/{story_id}",
                    title,
                    summary,
                    "",
                    at,
                    NOW,
                    at,
                    "en",
                )
                started_stories.append((article, story_id))
                rows.append(
                    {"id": story_id, "first_article_id": story_id, "first_seen_at": NOW}
                    | {"title": title, "article_count": 1, "updated_at": NOW}
                )
            await session.execute(insert(Story), rows)
        async with db.transaction() as session:
            if trace:
                tracemalloc.start()
            began = time.perf_counter()
            placed = await assign_events(session, started_stories, NOW)
            per_article.append((time.perf_counter() - began) / len(chunk))
            if trace:
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            joined += sum(1 for s, e in placed.items() if e < first_id or s != e)
    return per_article, peak, joined


async def main(args: argparse.Namespace) -> None:
    shared = args.shared
    entries = corpus_entries(shared)
    print(f"corpus: {len(entries)} news entries; {args.stored:,} stored stories to make")
    made = synthetic(entries, args.stored, args.seed)
    with scratch_database(args.database_url, "bench_events") as (url, engine):
        await asyncio.to_thread(migrate.upgrade, url)
        db = Database(url)
        try:
            seconds = await fill(db, made, args.seed)
            async with db.transaction() as session:
                stored = await session.scalar(select(func.count()).select_from(EventKey))
            print(
                f"{engine}: stored {args.stored:,} stories, {stored:,} lookup keys "
                f"in {seconds:.0f} s"
            )
            arriving = sorted(entries, key=lambda e: e[2])[-args.arrivals :]
            times, _, _ = await arrive(db, arriving, args.batch, args.stored)
            _, peak, _ = await arrive(
                db, arriving[: args.batch], args.batch, args.stored + len(arriving), trace=True
            )
            ms = sorted(t * 1000 for t in times)
            print(
                f"time per new article ({len(arriving)} arriving, {args.batch} a fetch): "
                f"mean {statistics.fmean(ms):.2f} ms, median {statistics.median(ms):.2f} ms, "
                f"worst fetch {ms[-1]:.2f} ms per article"
            )
            print(f"memory allocated by one fetch's grouping (peak): {peak / 1024:.0f} KiB")
        finally:
            await db.close()
    from digests.event_evaluation import evaluate

    figures = evaluate(ROOT / "tests" / "digests" / "data" / "events", shared / "corpus")
    for name, found in figures.items():
        print(found.line(name))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--arrivals", type=int, default=300)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    asyncio.run(main(parser.parse_args()))
