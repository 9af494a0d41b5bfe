"""Feed parsing speed: feedparser vs fastfeedparser vs our parse_feed, on the corpus feeds.

Prints entries/s, feeds parsed OK and failures for each. Run: .venv/bin/python bench/parse_feeds.py
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import fastfeedparser
import feedparser

from digests.errors import FeedParseError
from digests.sources.parse import parse_feed

ROOT = Path(__file__).resolve().parent.parent
FEEDS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "feeds"
ROUNDS = 5


def _feedparser(body: bytes) -> int:
    result = feedparser.parse(body)
    if result.get("bozo") and not result.get("entries"):
        raise ValueError("bozo with no entries")
    if not result.get("version"):
        raise ValueError("not a feed")
    return len(result["entries"])


def _fastfeedparser(body: bytes) -> int:
    return len(fastfeedparser.parse(body)["entries"])


def _ours(body: bytes) -> int:
    return len(parse_feed(body, url="https://example.org/feed").entries)


def measure(name: str, parse: Callable[[bytes], int], bodies: list[tuple[str, bytes]]) -> None:
    best = best_cpu = float("inf")
    ok = entries = 0
    failures: list[str] = []
    for _ in range(ROUNDS):
        ok = entries = 0
        failures = []
        start, start_cpu = time.perf_counter(), time.process_time()
        for file, body in bodies:
            try:
                entries += parse(body)
                ok += 1
            except (FeedParseError, Exception):
                failures.append(file)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    print(
        f"{name:15} {entries / best:10,.0f} entries/s  {entries:5} entries  "
        f"{ok:3} feeds OK  {len(failures):2} failed  ({best:.2f} s; "
        f"{entries / best_cpu:,.0f} entries per CPU second)"
    )
    print(f"{'':15} failed: {', '.join(sorted(failures)) or '-'}")


def main() -> None:
    warnings.simplefilter("ignore")
    files = sorted(
        p for p in FEEDS.iterdir() if p.suffix in (".xml", ".json") and p.name.count(".") == 1
    )
    bodies = [(p.name, p.read_bytes()) for p in files]
    print(f"{len(bodies)} corpus feeds, best of {ROUNDS} rounds, one core")
    measure("feedparser", _feedparser, bodies)
    measure("fastfeedparser", _fastfeedparser, bodies)
    measure("parse_feed", _ours, bodies)


if __name__ == "__main__":
    main()
