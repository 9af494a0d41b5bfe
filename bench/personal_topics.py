"""Matching many personal keyword topics: index build, time per article, memory, at 1k-100k topics.

Topics are 1-3 terms drawn from the corpus vocabulary (the most common 300 words left out, as
nobody follows "the"); a fifth of the terms are two-word phrases taken from corpus text, a tenth
of the topics leave a word out. Articles are the corpus feed entries and page texts, repeated
with variations (5% of words swapped) up to 10,000. Per-article time should stay flat as the
topic count grows 100-fold; only the number of matches (the output) grows.

Also measured, on a SQLite file: what ingestion pays per fetch with 100k topics stored
(load every topic, build the index, match and store a batch of new articles).

Run: .venv/bin/python bench/personal_topics.py [--articles 10000] [--skip-db]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import random
import resource
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from digests import migrate
from digests.db import Database
from digests.errors import FeedParseError
from digests.ingest import TopicMatcherCache
from digests.matching import _FIELD_WEIGHTS, MatchableText, TopicMatch, TopicMatcher, words
from digests.models import Chat, Source, Topic
from digests.sources.parse import parse_feed
from digests.store import matches as match_store
from digests.store import topics as topic_store
from digests.store.articles import insert_new_articles
from digests.types import FeedEntry, TopicInfo

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
COMMON_LEFT_OUT = 300
SIZES = (1_000, 10_000, 100_000)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class ProposedMatcher(TopicMatcher):
    """TopicMatcher.match with the change this benchmark proposes, same results.

    Today ``match`` walks a phrase's list of topics at every occurrence of the phrase, so an
    article that says "syria" 20 times costs 20 x (topics following "syria"). Here each field
    first collects its distinct phrases in one walk of the text (stopping a walk as soon as
    the words so far start no known phrase), and each phrase's topics are visited once: the
    cost is O(words + matches), whatever the number of topics.
    """

    def __init__(self, topics: list[TopicInfo]) -> None:
        super().__init__(topics)
        self._prefixes = {
            key[:size]
            for table in (self._include, self._exclude)
            for key in table
            for size in range(1, len(key))
        }

    def match(self, article: MatchableText) -> list[TopicMatch]:
        strength: dict[int, float] = {}
        matched: dict[int, dict[str, None]] = {}
        excluded: set[int] = set()
        include, exclude, prefixes = self._include, self._exclude, self._prefixes
        for field, weight in _FIELD_WEIGHTS:
            tokens = words(getattr(article, field))
            found: dict[tuple[str, ...], None] = {}
            for start in range(len(tokens)):
                for size in range(1, min(self._longest, len(tokens) - start) + 1):
                    key = tuple(tokens[start : start + size])
                    if key in include or key in exclude:
                        found[key] = None
                    if key not in prefixes:
                        break
            for key in found:
                excluded.update(exclude.get(key, ()))
                for topic_id, phrase in include.get(key, ()):
                    strength[topic_id] = strength.get(topic_id, 0.0) + weight
                    matched.setdefault(topic_id, {})[phrase] = None
        results = [
            TopicMatch(topic_id, strength[topic_id], tuple(matched[topic_id]))
            for topic_id in strength
            if topic_id not in excluded
        ]
        results.sort(key=lambda m: (-m.strength, m.topic_id))
        return results


def corpus_articles() -> list[MatchableText]:
    """Every feed entry and every page's expected text in the corpus."""
    found: list[MatchableText] = []
    for path in sorted((CORPUS / "feeds").iterdir()):
        if path.suffix not in {".xml", ".json"} or ".feed-rs." in path.name:
            continue
        if ".fastfeedparser." in path.name:
            continue
        try:
            feed = parse_feed(path.read_bytes(), url="https://example.org/feed")
        except FeedParseError:
            continue
        found += [MatchableText(e.title, e.summary, e.text) for e in feed.entries if e.title]
    for path in sorted((CORPUS / "pages").glob("*.expected.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        title = text.strip().splitlines()[0][:200] if text.strip() else path.stem
        found.append(MatchableText(title, "", text))
    return found


def vocabulary(articles: list[MatchableText]) -> tuple[list[str], list[str]]:
    """Followable words (not the most common, not numbers) and two-word phrases from the text."""
    counts: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    for article in articles:
        tokens = words(f"{article.title} {article.summary} {article.text}")
        counts.update(tokens)
        bigrams.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    common = {w for w, _ in counts.most_common(COMMON_LEFT_OUT)}
    vocab = [w for w, n in counts.items() if n >= 2 and len(w) >= 3 and not w.isdigit()]
    vocab = [w for w in vocab if w not in common]
    phrases = [
        p
        for p, n in bigrams.items()
        if n >= 2 and all(w not in common and len(w) >= 3 and not w.isdigit() for w in p.split())
    ]
    return sorted(vocab), sorted(phrases)


def make_topics(
    count: int, vocab: list[str], phrases: list[str], rng: random.Random
) -> list[TopicInfo]:
    topics = []
    for i in range(count):
        terms = list(
            dict.fromkeys(  # distinct, as parse_keywords would leave them
                rng.choice(phrases) if rng.random() < 0.2 else rng.choice(vocab)
                for _ in range(rng.randint(1, 3))
            )
        )
        exclude = (rng.choice(vocab),) if rng.random() < 0.1 else ()
        topics.append(TopicInfo(i + 1, " ".join(terms)[:64], tuple(terms), exclude))
    return topics


def unmatchable(topic: TopicInfo) -> TopicInfo:
    """The topic with every word suffixed so it matches nothing: same index size and shape."""
    keywords = tuple(" ".join(f"{w}qz" for w in k.split()) for k in topic.keywords)
    return TopicInfo(topic.id, topic.name, keywords, ())


def vary(article: MatchableText, vocab: list[str], rng: random.Random) -> MatchableText:
    """The article with about 5% of its words swapped for other vocabulary words."""

    def swap(text: str) -> str:
        parts = text.split()
        for _ in range(max(1, len(parts) // 20) if parts else 0):
            parts[rng.randrange(len(parts))] = rng.choice(vocab)
        return " ".join(parts)

    return MatchableText(swap(article.title), swap(article.summary), swap(article.text))


def measure_matching(
    articles: list[MatchableText], topics: list[TopicInfo], kind: type[TopicMatcher]
) -> tuple[float, float, float, int, int]:
    """Build seconds, match seconds, index MB (traced), matches in all, words in all."""
    gc.collect()
    tracemalloc.start()  # traced in a build of its own: tracing slows allocation down
    probe = kind(topics)
    index_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    del probe
    gc.collect()
    start = time.perf_counter()
    matcher = kind(topics)
    built = time.perf_counter() - start
    matches = 0
    start = time.perf_counter()
    for article in articles:
        matches += len(matcher.match(article))
    matched = time.perf_counter() - start
    total_words = sum(
        len(words(a.title)) + len(words(a.summary)) + len(words(a.text)) for a in articles
    )
    return built, matched, index_mb, matches, total_words


async def measure_ingest(
    topics: list[TopicInfo], articles: list[MatchableText], batch: int
) -> tuple[float, float, float, int]:
    """On SQLite with ``topics`` stored, seconds to match and store one fetch of ``batch``
    new articles: as before (every fetch loads and indexes every topic), on the Ingest
    object's first fetch (it builds its matcher) and on a later one (it reuses it); and the
    number of matches stored."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await asyncio.to_thread(migrate.upgrade, url)
        db = Database(url)
        try:
            async with db.transaction() as session:
                chats = sorted({t.id % 5000 + 1 for t in topics})
                await session.execute(
                    insert(Chat),
                    [
                        {
                            "id": c,
                            "kind": "private",
                            "title": "",
                            "language": "en",
                            "timezone": "UTC",
                            "digest_times": "08:00",
                            "frequency": "daily",
                            "weekly_day": 0,
                            "max_items": 10,
                            "notify_empty": False,
                            "active": True,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                        for c in chats
                    ],
                )
                await session.execute(
                    insert(Topic),
                    [
                        {
                            "id": t.id,
                            "name": t.name,
                            "name_key": f"{t.id}:{topic_store.name_key(t.name)}"[:64],
                            "keywords": list(t.keywords),
                            "exclude": list(t.exclude),
                            "owner_chat_id": t.id % 5000 + 1,
                            "created_at": NOW,
                            "updated_at": NOW,
                        }
                        for t in topics
                    ],
                )
                source = Source(
                    url="https://example.org/feed",
                    name="Example",
                    kind="feed",
                    fetch_interval=900,
                    created_at=NOW,
                )
                session.add(source)
                await session.flush()
                source_id = source.id
            fetches = []
            for n in range(3):
                entries = [
                    FeedEntry(a.title, f"https://x.org/{n}/{i}", f"{n}-{i}", a.summary, a.text)
                    for i, a in enumerate(articles[n * batch : (n + 1) * batch])
                ]
                async with db.transaction() as session:
                    fetches.append(await insert_new_articles(session, source_id, entries, NOW))
            # Before: every fetch loaded every topic and built the index again.
            async with db.transaction() as session:
                start = time.perf_counter()
                loaded = await topic_store.all_matchable_topics(session)
                rows = await match_store.match_articles(session, [a.id for a in fetches[0]], loaded)
                before = time.perf_counter() - start
            # Now: the Ingest object's matcher, built on its first fetch, then kept.
            cache = TopicMatcherCache()
            timings = []
            for new in fetches[1:]:
                async with db.transaction() as session:
                    start = time.perf_counter()
                    rows += await cache.store_matches(session, new)
                    timings.append(time.perf_counter() - start)
            return before, timings[0], timings[1], rows
        finally:
            await db.close()


def check_same_results(articles: list[MatchableText], topics: list[TopicInfo]) -> None:
    """The proposed matcher finds exactly what TopicMatcher finds."""
    today, proposed = TopicMatcher(topics), ProposedMatcher(topics)
    for article in articles:
        assert today.match(article) == proposed.match(article), article.title
    print(f"proposed match() == TopicMatcher.match on {len(articles)} articles x {len(topics):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument("--db-only", action="store_true", help="only the ingest figures")
    args = parser.parse_args()
    rng = random.Random(5)
    base = corpus_articles()
    vocab, phrases = vocabulary(base)
    articles = [
        base[i % len(base)] if i < len(base) else vary(base[i % len(base)], vocab, rng)
        for i in range(args.articles)
    ]
    total_words = sum(len(words(f"{a.title} {a.summary} {a.text}")) for a in articles)
    print(
        f"corpus: {len(base)} articles, vocabulary {len(vocab):,} words "
        f"+ {len(phrases):,} phrases; "
        f"{len(articles):,} articles, {total_words / len(articles):,.0f} words each on average"
    )
    if not args.db_only:
        print(
            f"{'topics':>8} {'build s':>8} {'index MB':>9} {'match s':>8} {'µs/article':>11} "
            f"{'ns/word':>12} {'matches/article':>16}"
        )
        for title, kind, control in (
            ("TopicMatcher today, realistic topics", TopicMatcher, False),
            ("TopicMatcher today, lookup only (words no article has)", TopicMatcher, True),
            ("proposed match(), realistic topics", ProposedMatcher, False),
        ):
            print(title)
            for size in SIZES:
                topics = make_topics(size, vocab, phrases, random.Random(size))
                if control:
                    topics = [unmatchable(t) for t in topics]
                figures = measure_matching(articles, topics, kind)
                built, matched, index_mb, matches, n_words = figures
                print(
                    f"{size:>8,} {built:>8.2f} {index_mb:>9.1f} {matched:>8.2f} "
                    f"{matched / len(articles) * 1e6:>11,.0f} {matched / n_words * 1e9:>12,.1f} "
                    f"{matches / len(articles):>16.2f}"
                )
        same = make_topics(SIZES[-1], vocab, phrases, random.Random(1))
        check_same_results(articles[:500], same)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS so far: {peak:,.0f} MB")
    if not args.skip_db:
        topics = make_topics(SIZES[-1], vocab, phrases, random.Random(SIZES[-1]))
        batch = 50
        before, first, later, rows = asyncio.run(measure_ingest(topics, articles, batch))
        print(
            f"topic matching in one fetch of {batch} new articles, {len(topics):,} topics "
            f"stored (SQLite): before (topics loaded and indexed every fetch) {before:.2f} s; "
            f"Ingest's first fetch {first:.2f} s, later fetches {later:.2f} s "
            f"({rows:,} matches stored in all)"
        )
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
