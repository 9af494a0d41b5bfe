"""The time-zone evaluation: what people type at the prompt, in English and Arabic, scored."""

from __future__ import annotations

from pathlib import Path

from digests.errors import UnknownZone
from digests.zones import resolve_zone

TABLE = Path(__file__).parent / "data" / "zone_inputs.tsv"
REQUIRED = 0.98


def cases() -> list[tuple[str, str]]:
    rows = TABLE.read_text(encoding="utf-8").splitlines()
    return [
        (typed, zone)
        for typed, zone in (row.split("\t") for row in rows if row and not row.startswith("#"))
    ]


def test_at_least_98_percent_of_typed_zones_resolve_as_meant() -> None:
    table = cases()
    arabic = [typed for typed, _ in table if any("\u0600" <= ch <= "\u06ff" for ch in typed)]
    assert len(table) >= 100 and len(arabic) >= 50
    misses = []
    for typed, expected in table:
        try:
            got = resolve_zone(typed).zone
        except UnknownZone as exc:
            got = f"refused ({exc.problem}: {', '.join(exc.suggestions)})"
        if got != expected:
            misses.append(f"{typed!r}: expected {expected}, got {got}")
    score = 1 - len(misses) / len(table)
    print(f"\ntime-zone evaluation: {len(table) - len(misses)}/{len(table)} = {score:.1%}")
    print("\n".join(misses))
    assert score >= REQUIRED, misses
