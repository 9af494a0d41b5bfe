"""Event-loop lag while a big feed is parsed: on the loop, in a thread, in a process.

    .venv/bin/python bench/feed_lag.py [--items 100000]

A ticker task sleeps 10 ms at a time and records how late each wake-up is, the delay a chat's
reply would see, while ``parse_feed`` reads a generated RSS document of ``--items`` items (a
title, a link and a short HTML description each). Prints, per mode, the wall time of the
parse and the worst and 99th-percentile lag. "newsbot" is what ingest runs
(``reading.read_feed_off_loop``: parse and leads, in a thread below 2 MB, else in a process).
Items carry a date: fastfeedparser date-parses the guid of a dateless item (~2.5 ms each).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests.sources.parse import parse_feed  # noqa: E402
from digests.sources.reading import read_feed_off_loop  # noqa: E402
from digests.types import ParsedFeed  # noqa: E402

URL = "https://feeds.example.org/big.xml"


def big_feed(items: int) -> bytes:
    """An RSS document of ``items`` items, ~150 bytes each."""
    entries = "".join(
        f"<item><title>Story {i} &amp; more</title><link>https://news.example/{i}</link>"
        f"<pubDate>Mon, 16 Feb 2026 08:00:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Body {i}&lt;/p&gt;</description></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Big</title>'
        f"<link>https://news.example/</link>{entries}</channel></rss>"
    ).encode()


def _parse(body: bytes) -> ParsedFeed:
    return parse_feed(body, url=URL)


async def _measure(name: str, run: Callable[[], Awaitable[ParsedFeed]]) -> None:
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not done.is_set():
            start = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - start - 0.01)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    feed = await run()
    wall = time.perf_counter() - started
    done.set()
    await tick
    lags.sort()
    p99 = lags[int(len(lags) * 0.99) - 1] if lags else 0.0
    print(
        f"{name:8} {len(feed.entries):7,} entries  parse {wall:6.2f} s  "
        f"lag max {max(lags) * 1000:7.0f} ms  p99 {p99 * 1000:6.0f} ms  "
        f"median {statistics.median(lags) * 1000:4.1f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    body = big_feed(args.items)
    print(f"{args.items:,} items, {len(body) / 1e6:.1f} MB; ticker every 10 ms")
    loop = asyncio.get_running_loop()

    async def inline() -> ParsedFeed:
        return _parse(body)

    async def thread() -> ParsedFeed:
        return await asyncio.to_thread(_parse, body)

    with ProcessPoolExecutor(max_workers=1) as pool:
        await loop.run_in_executor(pool, _parse, big_feed(10))  # start the worker first

        async def process() -> ParsedFeed:
            return await loop.run_in_executor(pool, _parse, body)

        async def newsbot() -> ParsedFeed:
            return (await read_feed_off_loop(body, URL, None)).feed

        for name, run in (
            ("loop", inline),
            ("thread", thread),
            ("process", process),
            ("newsbot", newsbot),
        ):
            await _measure(name, run)


if __name__ == "__main__":
    asyncio.run(main())
