"""The time zone a user means by what they type: a city in any language, a country, an offset
such as "GMT+3", an abbreviation, or an IANA name (old names replaced by their current ones).

What is stored is always an IANA name ``zoneinfo`` reads, so the schedule's daylight-saving
rules apply unchanged. An offset is "UTC+3" as people mean it: the zone ``Etc/GMT-3``, whose
POSIX name has the sign the other way round (``Etc/GMT+3`` is UTC−3). Offsets that are not
whole hours have no ``Etc`` zone; those in use all year somewhere ("+5:30", "+5:45") are taken
as a zone that keeps that offset all year without daylight saving (Asia/Kolkata,
Asia/Kathmandu), and the reply says so.

Resolution order: an offset, an IANA name, an abbreviation, a city (``digests.cities``,
GeoNames), a country (CLDR names in English and Arabic), the last part of an IANA name.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from digests.cities import City, city_key, city_table
from digests.errors import UnknownZone
from digests.typed_time import fold_typed


class Via(enum.StrEnum):
    """How a typed answer was read, so the reply can say what was taken."""

    NAME = "name"  # an IANA name, as typed
    RENAMED = "renamed"  # an old IANA name, replaced by its current one
    OFFSET = "offset"  # "UTC+3": a zone with that fixed offset
    ABBREVIATION = "abbreviation"  # "EST", "Eastern time"
    CITY = "city"
    COUNTRY = "country"
    LOCATION = "location"  # a shared Telegram location


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """A zone and how it was found, for the confirmation."""

    zone: str
    via: Via
    typed: str = ""
    place: City | None = None  # the city taken (for a country, its largest city)
    others: tuple[City, ...] = ()  # same name, other zones: "not the one you meant?"
    country: str = ""  # for Via.COUNTRY, the ISO code
    several_zones: bool = False  # a country whose zones differ in offset
    offset: timedelta | None = None  # for Via.OFFSET, what was typed


MAX_OFFSET = timedelta(hours=14)
MIN_OFFSET = timedelta(hours=-12)

# Offsets that are not whole hours, with a zone that keeps it all year and has no DST (checked
# against tzdata by tests/digests/test_zones.py).
FIXED_ZONES = {
    timedelta(hours=3, minutes=30): "Asia/Tehran",
    timedelta(hours=4, minutes=30): "Asia/Kabul",
    timedelta(hours=5, minutes=30): "Asia/Kolkata",
    timedelta(hours=5, minutes=45): "Asia/Kathmandu",
    timedelta(hours=6, minutes=30): "Asia/Yangon",
    timedelta(hours=8, minutes=45): "Australia/Eucla",
    timedelta(hours=9, minutes=30): "Australia/Darwin",
    timedelta(hours=-9, minutes=-30): "Pacific/Marquesas",
}

# What people call a zone that is neither a place nor an IANA name, by ``city_key``. Eastern,
# Central, Mountain and Pacific mean the US zones with their daylight saving, not the fixed
# IANA "EST" and "MST" zones.
ABBREVIATIONS = {
    **dict.fromkeys(["est", "edt", "et", "easterntime"], "America/New_York"),
    **dict.fromkeys(["cst", "cdt", "ct", "centraltime"], "America/Chicago"),
    **dict.fromkeys(["mst", "mdt", "mt", "mountaintime"], "America/Denver"),
    **dict.fromkeys(["pst", "pdt", "pt", "pacifictime"], "America/Los_Angeles"),
    **dict.fromkeys(["akst", "akdt"], "America/Anchorage"),
    **dict.fromkeys(["hst", "hawaii"], "Pacific/Honolulu"),
    **dict.fromkeys(["bst", "uktime"], "Europe/London"),
    **dict.fromkeys(["cet", "cest"], "Europe/Paris"),
    **dict.fromkeys(["eet", "eest"], "Europe/Athens"),
    **dict.fromkeys(["msk", "moscowtime"], "Europe/Moscow"),
    "ist": "Asia/Kolkata",
    "pkt": "Asia/Karachi",
    "gst": "Asia/Dubai",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "wib": "Asia/Jakarta",
    **dict.fromkeys(["aest", "aedt"], "Australia/Sydney"),
    **dict.fromkeys(["nzst", "nzdt"], "Pacific/Auckland"),
    "samoa": "Pacific/Apia",
}

# Country names CLDR does not give but people type, by ``city_key``.
COUNTRY_ALIASES = {
    **dict.fromkeys(["usa", "us", "america", "امريكا", "ولاياتمتحده"], "US"),
    **dict.fromkeys(["uk", "britain", "greatbritain", "england", "بريطانيا", "انجلترا"], "GB"),
    **dict.fromkeys(["uae", "emirates", "امارات"], "AE"),
    **dict.fromkeys(["ksa", "saudi", "saudiarabia", "سعوديه"], "SA"),
    **dict.fromkeys(["korea", "كوريا"], "KR"),
    **dict.fromkeys(["palestine", "فلسطين"], "PS"),
    **dict.fromkeys(["turkey", "تركيا"], "TR"),
}

# A Greenwich base before (or, as Arabic is often typed, after) a signed offset.
_BASE = r"(?:utc|gmt|ut|z|greenwich|غرينتش|غرينيتش|جرينتش|جرينيتش|قرينتش|توقيتعالمي)"
_OFFSET = re.compile(
    rf"(?P<base>{_BASE})?(?P<sign>[+-])?(?P<h>\d{{1,2}})(?:[:.h]?(?P<m>\d{{2}}))?(?P<after>{_BASE})?"
)
_SIGNED_AFTER = re.compile(rf"(?P<h>\d{{1,2}})(?:[:.]?(?P<m>\d{{2}}))?(?P<sign>[+-]){_BASE}?")
# Words around a zone that say nothing about it: "time in London", "بتوقيت مكة".
_FILLER = re.compile(
    r"^(?:(?:my\s+)?(?:time\s*zone|time|zone)\s+(?:is\s+|in\s+|of\s+)?|city\s+of\s+"
    r"|(?:ب|ال)?توقيت\s+|(?:ال)?منطقة\s+(?:ال)?زمنية\s+|مدينة\s+)"
)
_UTC_NAMES = {"Etc/UTC", "Etc/GMT", "UTC", "GMT"}
_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
# Only to tell whether a country's zones differ: their offsets in January and July.
_SEASONS = (datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))


def resolve_zone(text: str) -> ZoneChoice:
    """The zone ``text`` names; UnknownZone (with suggestions when there are any) otherwise."""
    typed = " ".join(text.split())[:200]
    plain = _FILLER.sub("", fold_typed(typed))
    if not plain:
        raise UnknownZone(typed, problem="empty")
    offset = parse_offset(plain)
    if offset is not None:
        return ZoneChoice(offset_zone(offset, typed), Via.OFFSET, typed, offset=offset)
    abbreviation = ABBREVIATIONS.get(city_key(plain))
    if abbreviation is not None:
        return ZoneChoice(abbreviation, Via.ABBREVIATION, typed)
    named = _zone_names().get(plain.replace(" ", "_"))
    if named is not None:
        zone = canonical_zone(named)
        return ZoneChoice(zone, Via.NAME if zone == named else Via.RENAMED, typed)
    key = city_key(plain)
    code = _country_codes().get(key)
    if code is not None:
        return _country(code, typed)
    found = _city_choice(plain, typed)
    if found is not None:
        return found
    last_part = _iana_cities().get(key)
    if last_part is not None:
        return ZoneChoice(last_part, Via.CITY, typed)
    raise UnknownZone(typed, suggestions=_suggestions(plain))


def parse_offset(text: str) -> timedelta | None:
    """The UTC offset in "GMT+3", "UTC-5", "+03:00", "+0530", "utc+5:30" or "٣+ غرينتش".

    A bare number is no offset ("3" could be a time); "UTC" and "GMT" alone are +0.
    """
    plain = fold_typed(text).replace(" ", "")
    if plain in {"utc", "gmt", "ut", "z", "zulu", "greenwich", "غرينتش", "جرينتش"}:
        return timedelta(0)
    match = _OFFSET.fullmatch(plain)
    if match and (match["sign"] or match["base"] or match["after"]):
        sign = -1 if match["sign"] == "-" else 1
    else:
        match = _SIGNED_AFTER.fullmatch(plain)
        if match is None:
            return None
        sign = -1 if match["sign"] == "-" else 1
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    if minutes >= 60:
        return None
    return sign * timedelta(hours=hours, minutes=minutes)


def offset_zone(offset: timedelta, typed: str = "") -> str:
    """The zone that is ``offset`` from UTC all year; UnknownZone when none is."""
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise UnknownZone(typed or offset_label(offset), problem="offset_range")
    if offset == timedelta(0):
        return "UTC"
    hours, rest = divmod(offset, timedelta(hours=1))
    if not rest:
        return f"Etc/GMT{-hours:+d}"  # POSIX sign: Etc/GMT-3 is UTC+3
    zone = FIXED_ZONES.get(offset)
    if zone is None:
        raise UnknownZone(typed or offset_label(offset), problem="offset_not_fixed")
    return zone


def offset_label(offset: timedelta) -> str:
    """``offset`` as people read it: "UTC+03:00", "UTC−05:00" (a real minus sign), "UTC"."""
    if not offset:
        return "UTC±00:00"
    sign = "+" if offset > timedelta(0) else "−"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_offset(zone: str, at: datetime) -> timedelta:
    """The offset from UTC of ``zone`` at the instant ``at``."""
    return at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)


def is_fixed_offset(zone: str) -> bool:
    """Whether ``zone`` is one of the ``Etc/GMT±N`` zones (a bare offset, no place)."""
    return zone.startswith("Etc/GMT") and zone != "Etc/GMT"


def canonical_zone(name: str) -> str:
    """The current IANA name for ``name``: "Asia/Tel_Aviv" -> "Asia/Jerusalem", "Europe/Kiev"
    -> "Europe/Kyiv", "US/Eastern" -> "America/New_York", "Etc/UTC" -> "UTC".

    A name in tzdata's ``zone.tab`` (one per country, such as Europe/Amsterdam) is kept even
    where tzdata now links it to a neighbour's zone; other links become their targets.
    """
    target = _links().get(name, name)
    if name in _UTC_NAMES or target in _UTC_NAMES:
        return "UTC"
    if name in _country_zones_flat():
        return name
    return target


def zone_at(latitude: float, longitude: float) -> ZoneChoice:
    """The zone at a point, from timezonefinder's offline boundary data.

    timezonefinder is imported on first use (+7 MB resident in the running bot, where numpy
    is loaded already). Each call opens its own finder on the memory-mapped boundary file
    (``in_memory=False``, 20-50 ms) and closes it: a finder kept open grows with every region
    it is asked about, by +25 MB over 5,000 points worldwide (``bench/zone_lookup.py``), and
    people share a location about once. Points at sea get the nautical ``Etc/GMT±N`` zone.
    """
    from timezonefinder import TimezoneFinder  # ~7 MB: imported for locations only

    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise UnknownZone(f"{latitude},{longitude}", problem="location")
    with TimezoneFinder(in_memory=False) as finder:
        found = finder.timezone_at(lng=longitude, lat=latitude)
    if found is None:
        raise UnknownZone(f"{latitude},{longitude}", problem="location")
    return ZoneChoice(canonical_zone(found), Via.LOCATION)


def _city_choice(plain: str, typed: str) -> ZoneChoice | None:
    """The most populous city called ``plain`` ("Paris" or "Paris, US": with a country, its
    city of that name first), and others by that very name in other zones."""
    name, _, country_name = plain.replace("،", ",").partition(",")
    cities = city_table().find(name)
    if not cities:
        return None
    key = city_key(name)
    # A city an IANA zone is named after goes first when that is its own name: "Cancun" is
    # Cancún (America/Cancun), "Dili" Dili (Asia/Dili), though Changchun and Delhi, more
    # populous, have those as alternate names.
    named = _iana_cities().get(key)
    cities = sorted(cities, key=lambda c: not (c.zone == named and city_key(c.name) == key))
    if country_name:
        code = _country_codes().get(city_key(country_name))
        cities = sorted(cities, key=lambda city: city.country != code)
    others = tuple(city for city in cities[1:] if city_key(city.name) == key)
    return ZoneChoice(cities[0].zone, Via.CITY, typed, cities[0], others[:2])


def _country(code: str, typed: str) -> ZoneChoice:
    zones, largest, several = _country_choice(code)
    if not zones:
        raise UnknownZone(typed)
    return ZoneChoice(
        zones[0], Via.COUNTRY, typed, place=largest, country=code, several_zones=several
    )


def _suggestions(plain: str) -> tuple[str, ...]:
    """Up to three close names, each with its zone: "Baghdad (Asia/Baghdad)"."""
    found: dict[str, str] = {}
    if "/" in plain:
        names = _zone_names()
        for match in difflib.get_close_matches(plain.replace(" ", "_"), names, n=3, cutoff=0.6):
            zone = canonical_zone(names[match])
            found.setdefault(zone, zone)
    else:
        for city in city_table().close_to(plain):
            found.setdefault(city.zone, f"{city.name} ({city.zone})")
    return tuple(found.values())[:3]


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA name, keyed by its lower-case form (built once: a cache of one entry)."""
    return {name.lower(): name for name in available_timezones() if name != "localtime"}


@functools.cache
def _iana_cities() -> dict[str, str]:
    """The city part of each geographic IANA name, by ``city_key``, for places too small for
    GeoNames' table ("Danmarkshavn", "Stanley"). Built once."""
    cities: dict[str, str] = {}
    for zone in sorted(available_timezones(), key=lambda z: (-z.count("/"), z)):
        if zone.startswith(_AREAS):
            cities.setdefault(city_key(zone.rsplit("/", 1)[-1]), canonical_zone(zone))
    return cities


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` ("IQ" in Arabic: "العراق"), else in English."""
    names = city_table().countries.get(code, {})
    return names.get(language) or names.get("en") or code


@functools.cache
def _country_codes() -> dict[str, str]:
    """Country names in English and Arabic (CLDR) and common short forms, by ``city_key``.
    Built once."""
    codes: dict[str, str] = {}
    for code, names in city_table().countries.items():
        for name in names.values():
            codes.setdefault(city_key(name), code)
    codes.update(COUNTRY_ALIASES)
    return codes


@functools.cache
def _country_choice(code: str) -> tuple[tuple[str, ...], City | None, bool]:
    """A country's zones (its largest city's first), that city, and whether they differ.
    Cached per country code asked: ~250 entries at most."""
    cities = city_table().in_country(code)
    zones = tuple(city.zone for city in cities) or _country_zones().get(code, ())
    offsets = {tuple(zone_offset(zone, at) for at in _SEASONS) for zone in zones}
    return zones, (cities[0] if cities else None), len(offsets) > 1


@functools.cache
def _links() -> dict[str, str]:
    """Old IANA name -> current name, from tzdata's ``tzdata.zi`` ("L TARGET NAME" lines).
    Built once."""
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text()
    links = {}
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            links[name] = target
    return links


@functools.cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """Each country's zones as tzdata's ``zone.tab`` lists them. Built once."""
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            zones.setdefault(code, []).append(zone)
    return {code: tuple(names) for code, names in zones.items()}


@functools.cache
def _country_zones_flat() -> frozenset[str]:
    """Every zone some country uses (built once)."""
    return frozenset(zone for zones in _country_zones().values() for zone in zones)
