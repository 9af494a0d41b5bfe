"""Benchmark time-zone lookups: what the city table and timezonefinder add to the bot's memory,
how long a typed answer takes to resolve, and the evaluation table's score.

Imports what the running bot imports first, so the memory figures are what the lookups add to
a bot (numpy, for one, is already loaded there), then:

    .venv/bin/python bench/zone_lookup.py [--rounds 20]

RSS is read from /proc/self/statm (Linux): resident now, not the peak.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bot.app  # noqa: E402 - the bot's own imports, for an honest baseline
import bot.runner  # noqa: E402, F401
from digests.cities import DATA, city_table  # noqa: E402
from digests.errors import UnknownZone  # noqa: E402
from digests.zones import resolve_zone, zone_at  # noqa: E402

TABLE = ROOT / "tests" / "digests" / "data" / "zone_inputs.tsv"
UNKNOWN = ["Baghdadd", "Mosull", "Jedddah", "بغدادد", "Lndon", "Qwxzy", "Asia/Bagdad"]
T = TypeVar("T")
POINTS = [(33.31, 44.36), (32.08, 34.78), (40.71, -74.0), (-33.87, 151.21), (0.0, -30.0)]


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def timed_ms(call, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with contextlib.suppress(UnknownZone):
        call(*args)
    return (time.perf_counter() - start) * 1000


def measured(call: Callable[[], T]) -> tuple[T, float, float]:
    """``call()``'s result, how long it took (ms) and what it added to the RSS (MB)."""
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    result = call()
    elapsed = (time.perf_counter() - start) * 1000
    gc.collect()
    return result, elapsed, rss_mb() - before


def figures(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"mean {statistics.fmean(ordered):.3f} ms, median {statistics.median(ordered):.3f} ms, "
        f"p95 {p95:.3f} ms, max {ordered[-1]:.3f} ms ({len(ordered)} lookups)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    rows = [
        line.split("\t")
        for line in TABLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]

    gc.collect()
    base = rss_mb()
    print(f"bot imports loaded: RSS {base:.1f} MB")
    print(f"city table file: {DATA.stat().st_size / 1e6:.2f} MB")

    table, loaded_ms, table_mb = measured(city_table)
    print(
        f"city table: {table.city_count} cities, {len(table)} names; loaded in "
        f"{loaded_ms:.0f} ms; +{table_mb:.1f} MB RSS"
    )
    right, first_ms, first_mb = measured(
        lambda: sum(1 for typed, zone in rows if _zone(typed) == zone)
    )
    print(
        f"evaluation: {right}/{len(rows)} = {right / len(rows):.1%} right; first pass (warming "
        f"the IANA, link and country-name caches) {first_ms:.0f} ms; +{first_mb:.1f} MB RSS"
    )

    samples = [timed_ms(resolve_zone, typed) for _ in range(args.rounds) for typed, _ in rows]
    print(f"resolve_zone, warm: {figures(samples)}")
    misses = [timed_ms(resolve_zone, typed) for _ in range(args.rounds) for typed in UNKNOWN]
    print(f"unknown names with suggestions: {figures(misses)}")

    _, location_ms, finder_mb = measured(lambda: zone_at(*POINTS[0]))
    print(
        f"timezonefinder (in_memory=False): import and first location {location_ms:.0f} ms, "
        f"+{finder_mb:.1f} MB RSS"
    )
    locations = [timed_ms(zone_at, *point) for _ in range(args.rounds) for point in POINTS]
    print(f"zone_at, each call opening and closing its finder: {figures(locations)}")
    spread = random.Random(1)
    _, _, spread_mb = measured(
        lambda: [zone_at(spread.uniform(-60, 70), spread.uniform(-180, 180)) for _ in range(500)]
    )
    print(f"500 more locations worldwide: +{spread_mb:.1f} MB RSS")
    gc.collect()
    print(f"total added to the bot: +{rss_mb() - base:.1f} MB RSS (limit 20 MB)")


def _zone(typed: str) -> str:
    try:
        return resolve_zone(typed).zone
    except UnknownZone:
        return ""


if __name__ == "__main__":
    main()
