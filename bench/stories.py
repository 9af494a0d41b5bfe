"""Near-duplicate story detection: recall on edited copies, false merges, time and memory.

Texts: the corpus's full expected article bodies (`aeb-*`, `np4k-*`), the seed article's
body, and every corpus feed entry long enough to compare by text. Copies are made by changing
a share of an original's words (half random substitutions, half deletions). Prints, for each
index setting: recall at 5/10/15/20% edits, false merges among the distinct texts, what
happens to the manifest's `story_cluster` groups (same event, different words), the time per
article and the index's memory per article.

The setting newsbot uses is also run through the real ingest step (``digests.ingest.
assign_stories`` over a SQLite file: keys stored in ``story_keys``, candidates looked up per
batch): the same copies, in the same order, must give the same figures.

Run: .venv/bin/python bench/stories.py [SHARED_DIR]
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

from sqlalchemy import insert, select

from digests import migrate
from digests.db import Database
from digests.errors import FeedParseError
from digests.ingest import assign_stories
from digests.models import Article, Source, Story, StoryKey
from digests.sources.parse import parse_feed
from digests.store.articles import insert_new_articles
from digests.stories import (
    CONFIRM_JACCARD,
    LSH_BANDS,
    Copy,
    StoryIndex,
    best_text,
    shingles,
    signature,
    similarity,
    title_key,
    words,
)
from digests.types import FeedEntry

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
RATES = (0.05, 0.10, 0.15, 0.20)
TRIALS = 5
# (bands, rows) and the confirming Jaccard: (11, 9) is datasketch's optimum for threshold 0.5
# (the FACTS.md setting), (37, 3) its optimum for 0.3; (16, 2) with 0.4 is what newsbot uses.
SETTINGS = (((11, 9), 0.5), ((37, 3), 0.3), ((37, 3), 0.4), ((16, 2), 0.4), ((16, 2), 0.3))
# Feed entries that really are one story (the same wire lede in two outlets' feeds).
TRUE_COPIES = {("ffp-ndtv-news.xml#1", "ffp-abcnews-international.xml#13")}
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def seed_body() -> str:
    lines = (SHARED / "seed" / "arab-press-isis-prison-break.txt").read_text().splitlines()
    return "\n".join(lines[9:58])


def pages() -> dict[str, str]:
    found = {
        p.name.removesuffix(".expected.txt"): p.read_text()
        for p in sorted((SHARED / "corpus" / "pages").glob("*.expected.txt"))
    }
    found["seed"] = seed_body()
    return found


def feed_texts() -> dict[str, str]:
    """Feed entries with enough words to compare by text, one per distinct text."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    for path in sorted((SHARED / "corpus" / "feeds").iterdir()):
        if path.name.endswith((".fastfeedparser.json", ".feed-rs.json")):
            continue
        try:
            feed = parse_feed(path.read_bytes(), url="https://example.org/feed")
        except FeedParseError:
            continue
        for i, entry in enumerate(feed.entries):
            text = best_text(entry.title, entry.summary, entry.text)
            key = " ".join(words(text))
            if signature(text) is None or key in seen:
                continue
            seen.add(key)
            found[f"{path.name}#{i}"] = text
    return found


def clusters() -> dict[str, str]:
    manifest = json.loads((SHARED / "corpus" / "manifest.json").read_text())
    return {
        Path(r["file"]).name.removesuffix(".html"): r["story_cluster"]
        for r in manifest["files"]
        if r.get("story_cluster")
    }


def edit(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    tokens = text.split()
    out: list[str] = []
    for token in tokens:
        if rng.random() < rate:
            if rng.random() < 0.5:
                out.append(rng.choice(vocabulary))
            continue
        out.append(token)
    return " ".join(out)


def run(
    bands: tuple[int, int], confirm: float, originals: dict[str, str], distinct: dict[str, str]
) -> tuple[dict[float, tuple[int, int]], list[tuple[str, str, float]], float]:
    rng = random.Random(7)
    vocabulary = sorted({w for text in originals.values() for w in text.split()})
    index = StoryIndex(bands=bands, confirm=confirm)
    sketches = {}
    for n, (name, text) in enumerate(originals.items()):
        sketch = signature(text)
        if sketch is None:
            continue
        sketches[name] = sketch
        index.add(Copy(n, n, n, NOW, sketch, None))
    ids = {n: name for n, name in enumerate(originals)}
    recall = {}
    for rate in RATES:
        found = total = 0
        for name, text in originals.items():
            if name not in sketches:
                continue
            for _ in range(TRIALS):
                copy = signature(edit(text, rate, rng, vocabulary))
                total += 1
                match = index.match(copy, None, -1, NOW)
                found += match is not None and ids[match.story_id] == name
        recall[rate] = (found, total)

    # False merges: add distinct texts one by one; any match is a merge.
    index = StoryIndex(bands=bands, confirm=confirm)
    names = list(distinct)
    merges: list[tuple[str, str, float]] = []
    started = time.perf_counter()
    for n, name in enumerate(names):
        text = distinct[name]
        sketch = signature(text)
        match = index.match(sketch, title_key(text.split("\n", 1)[0]), n, NOW)
        if match is not None:
            merges.append((name, names[match.story_id], match.similarity))
        index.add(Copy(n, match.story_id if match else n, n, NOW, sketch, None))
    per_article = (time.perf_counter() - started) / len(names)
    return recall, merges, per_article


class _RollBack(Exception):
    """Leaves a transaction without storing what it did."""


async def run_stored(
    originals: dict[str, str], distinct: dict[str, str], url: str
) -> tuple[dict[float, tuple[int, int]], list[tuple[str, str, float]], float]:
    """As :func:`run` with newsbot's setting, through ``assign_stories`` on a database."""
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                insert(Source),
                [
                    {"url": f"https://s{n}.example/", "name": f"S{n}", "kind": "feed"}
                    | {"fetch_interval": 900, "created_at": NOW}
                    for n in range(len(distinct) + 1)
                ],
            )
            source_ids = list(await session.scalars(select(Source.id).order_by(Source.id)))
        # Recall: the originals stored once, each copy tried alone in a transaction that is
        # rolled back, so copies never match each other (as in run()).
        story_of: dict[int, str] = {}
        names = list(originals)
        for start in range(0, len(names), 50):
            entries = [
                FeedEntry(f"p{n}", f"https://o.example/{n}", f"o{n}", text=originals[name])
                for n, name in enumerate(names[start : start + 50], start)
            ]
            async with db.transaction() as session:
                new = await insert_new_articles(session, source_ids[0], entries, NOW)
                await assign_stories(session, new, NOW)
                stories = await session.execute(
                    select(Article.story_id, Article.guid).where(
                        Article.id.in_([a.id for a in new])
                    )
                )
                story_of |= {story: names[int(guid[1:])] for story, guid in stories.all()}
        rng = random.Random(7)
        vocabulary = sorted({w for text in originals.values() for w in text.split()})
        recall = {}
        for rate in RATES:
            found = total = 0
            for name, text in originals.items():
                if signature(text) is None:
                    continue
                for trial in range(TRIALS):
                    copy = edit(text, rate, rng, vocabulary)
                    total += 1
                    url = f"https://c.example/{rate}/{name}/{trial}"
                    try:
                        async with db.transaction() as session:
                            [article] = await insert_new_articles(
                                session, source_ids[-1], [FeedEntry("c", url, url, text=copy)], NOW
                            )
                            await assign_stories(session, [article], NOW)
                            story = await session.scalar(
                                select(Article.story_id).where(Article.id == article.id)
                            )
                            found += story_of.get(story or 0) == name
                            raise _RollBack
                    except _RollBack:
                        pass
            recall[rate] = (found, total)
        # False merges: the distinct texts stored in fetches of 50, each from its own source.
        async with db.transaction() as session:
            await session.execute(Article.__table__.delete())
            await session.execute(Story.__table__.delete())
            await session.execute(StoryKey.__table__.delete())
        names = list(distinct)
        started = time.perf_counter()
        for start in range(0, len(names), 50):
            async with db.transaction() as session:
                for n, name in enumerate(names[start : start + 50], start):
                    text = distinct[name]
                    entry = FeedEntry(
                        text.split("\n", 1)[0], f"https://d.example/{n}", f"d{n}", text=text
                    )
                    new = await insert_new_articles(session, source_ids[n], [entry], NOW)
                    await assign_stories(session, new, NOW)
        per_article = (time.perf_counter() - started) / len(names)
        async with db.transaction() as session:
            rows = await session.execute(
                select(Article.guid, Story.first_article_id, Article.id).join(
                    Story, Story.id == Article.story_id
                )
            )
            guid_of = {}
            merged = []
            for guid, first, article_id in rows.all():
                guid_of[article_id] = guid
                if first != article_id:
                    merged.append((article_id, first))
        merges = [
            (names[int(guid_of[a][1:])], names[int(guid_of[f][1:])], float("nan"))
            for a, f in merged
        ]
        return recall, merges, per_article
    finally:
        await db.close()


def memory_per_article(bands: tuple[int, int], texts: list[str], count: int = 3000) -> float:
    # Distinct sketches (shuffled word samples), so every article fills its own buckets.
    rng = random.Random(1)
    sketches = []
    for _ in range(count):
        tokens = rng.choice(texts).split()
        rng.shuffle(tokens)
        sketches.append(signature(" ".join(tokens[:200])))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = StoryIndex(bands=bands)
    for n, sketch in enumerate(sketches):
        index.add(Copy(n, n, n, NOW, sketch, f"title {n} of a story"))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count


def main() -> None:
    originals = pages()
    feeds = feed_texts()
    distinct = {**originals, **feeds}
    groups = clusters()
    comparable = [n for n in originals if signature(originals[n]) is not None]
    print(
        f"texts: {len(originals)} pages ({len(comparable)} with >= 30 words), "
        f"{len(feeds)} feed entries with >= 30 words; {len(distinct)} distinct in all"
    )
    in_group = [(a, b) for a, b in combinations(sorted(groups), 2) if groups[a] == groups[b]]
    pair_scores = []
    for a, b in in_group:
        sa, sb = signature(originals[a]), signature(originals[b])
        exact_a, exact_b = shingles(words(originals[a])), shingles(words(originals[b]))
        exact = len(exact_a & exact_b) / len(exact_a | exact_b)
        pair_scores.append((a, b, similarity(sa, sb), exact))
    print("story_cluster pairs (same event, separate write-ups): estimated / exact Jaccard")
    for a, b, est, exact in pair_scores:
        print(f"  {a} ~ {b}: {est:.3f} / {exact:.3f}")
    print()
    print(
        "| LSH bands x rows | confirm | recall 5% | 10% | 15% | 20% | false merges | ms/article |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for bands, confirm in SETTINGS:
        recall, merges, per_article = run(bands, confirm, originals, distinct)
        cells = " | ".join(f"{100 * f / t:.0f}% ({f}/{t})" for f, t in recall.values())
        print(
            f"| {bands[0]} x {bands[1]} | {confirm} | {cells} | {len(merges)} of {len(distinct)} | "
            f"{1000 * per_article:.2f} |"
        )
        for name, other, score in merges:
            if (name, other) in TRUE_COPIES:
                kind = "a true copy: the same wire lede"
            elif groups.get(name, 1) == groups.get(other, 2):
                kind = "same story_cluster"
            else:
                kind = "FALSE MERGE"
            print(f"    merged {name} into {other} (J~{score:.2f}, {kind})")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'stories.db'}"
        recall, merges, per_article = asyncio.run(run_stored(originals, distinct, url))
    cells = " | ".join(f"{100 * f / t:.0f}% ({f}/{t})" for f, t in recall.values())
    print(
        f"| {LSH_BANDS[0]} x {LSH_BANDS[1]}, stored keys (ingest) | {CONFIRM_JACCARD} | {cells} | "
        f"{len(merges)} of {len(distinct)} | {1000 * per_article:.2f} |"
    )
    for name, other, _ in merges:
        kind = "a true copy: the same wire lede" if (name, other) in TRUE_COPIES else "FALSE MERGE"
        print(f"    merged {name} into {other} ({kind})")
    texts = list(originals.values())
    for bands in sorted({bands for bands, _ in SETTINGS}):
        kib = memory_per_article(bands, texts) / 1024
        print(f"index memory with {bands[0]} x {bands[1]} bands: {kib:.1f} KiB per article")
    started = time.perf_counter()
    for text in texts * 5:
        signature(text)
    print(f"signature alone: {1000 * (time.perf_counter() - started) / (5 * len(texts)):.2f} ms")


if __name__ == "__main__":
    main()
