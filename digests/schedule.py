"""When a chat's digest is due: local-time slots turned into UTC instants, DST included.

A *slot* is one scheduled digest: a local date on which the chat's frequency allows a digest,
at the chat's ``digest_time`` in the chat's zone, as a UTC instant. The scheduler ticks every
minute or so and asks :func:`due_slot`; this module decides, from values alone, which slot (if
any) is owed. Time is data here: ``now`` always comes from the caller.

Daylight-saving rules, so that 08:00 stays 08:00 on both sides of a change:

* a local time that does not exist on a day (02:30 on the spring-forward day in Berlin) is
  sent at the first instant after the gap (03:00 local), never skipped;
* a local time that happens twice (02:30 on the fall-back day in Berlin) is sent once, at its
  first occurrence (``fold=0``).
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from digests.echo import shorten
from digests.errors import InvalidInput
from digests.i18n import N_
from digests.settings import parse_hhmm


class Frequency(enum.StrEnum):
    """On which local days a chat gets a digest."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"  # Monday to Friday, in the chat's zone
    WEEKLY = "weekly"  # on ``weekly_day`` (0 = Monday ... 6 = Sunday)
    OFF = "off"

    def allows(self, day: date, weekly_day: int) -> bool:
        """Whether a digest is scheduled on this local date."""
        if self is Frequency.DAILY:
            return True
        if self is Frequency.WEEKDAYS:
            return day.weekday() < 5
        if self is Frequency.WEEKLY:
            return day.weekday() == weekly_day
        return False


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """A chat's digest settings as the scheduler needs them, copied out of its ``Chat`` row.

    ``last_digest_at`` is the last slot delivered (or claimed for delivery). Storing the slot
    returned by :func:`due_slot`, rather than the moment the send finished, keeps the record
    independent of how long the send queue took; either works for "never twice".
    """

    timezone: str
    digest_time: time
    frequency: Frequency = Frequency.DAILY
    weekly_day: int = 0
    last_digest_at: datetime | None = None

    def __post_init__(self) -> None:
        _zone(self.timezone)  # fail at construction, not at the first tick
        if not 0 <= self.weekly_day <= 6:
            raise ValueError(f"weekly_day must be 0 (Monday) to 6 (Sunday), got {self.weekly_day}")
        if self.last_digest_at is not None and self.last_digest_at.utcoffset() is None:
            raise ValueError("last_digest_at must be timezone-aware")

    @classmethod
    def from_columns(
        cls,
        timezone: str,
        digest_time: str,
        frequency: str,
        weekly_day: int,
        last_digest_at: datetime | None,
    ) -> DigestSchedule:
        """Build from the ``chats`` columns as stored (``digest_time`` as ``HH:MM``)."""
        return cls(
            timezone=timezone,
            digest_time=parse_hhmm(digest_time),
            frequency=Frequency(frequency),
            weekly_day=weekly_day,
            last_digest_at=last_digest_at,
        )


def due_slot(schedule: DigestSchedule, now: datetime, catch_up: timedelta) -> datetime | None:
    """The slot owed at ``now`` (UTC), or None.

    Only the most recent slot at or before ``now`` is ever considered: it is owed when it is
    later than ``last_digest_at`` and at most ``catch_up`` old. So after downtime a chat whose
    digest time passed while the bot was down gets one digest, not one per missed day, and a
    slot older than ``catch_up`` is dropped rather than delivered stale.
    """
    if catch_up < timedelta(0):
        raise ValueError("catch_up must not be negative")
    _require_aware(now)
    if schedule.frequency is Frequency.OFF:
        return None
    zone = _zone(schedule.timezone)
    oldest = now - catch_up
    # One day of margin on each side covers offsets that move the local date across midnight.
    day = now.astimezone(zone).date() + timedelta(days=1)
    stop = oldest.astimezone(zone).date() - timedelta(days=1)
    while day >= stop:
        if schedule.frequency.allows(day, schedule.weekly_day):
            slot = slot_on(day, schedule.digest_time, schedule.timezone)
            if slot <= now:
                if slot < oldest or not _undelivered(schedule, slot):
                    return None
                return slot
        day -= timedelta(days=1)
    return None


def next_slot(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """The first slot after ``now`` still to be delivered, for "next digest at ..."; None if off."""
    _require_aware(now)
    if schedule.frequency is Frequency.OFF:
        return None
    zone = _zone(schedule.timezone)
    day = now.astimezone(zone).date() - timedelta(days=1)
    # A weekly slot is at most 7 days away; the margin covers zones that skipped a whole day.
    for _ in range(16):
        if schedule.frequency.allows(day, schedule.weekly_day):
            slot = slot_on(day, schedule.digest_time, schedule.timezone)
            if slot > now and _undelivered(schedule, slot):
                return slot
        day += timedelta(days=1)
    raise AssertionError("no slot within 16 days")  # pragma: no cover - frequencies forbid it


def slot_on(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant of local ``day`` at ``at`` in ``timezone``, with the DST rules above."""
    zone = _zone(timezone)
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists; if ambiguous, fold=0 is its first occurrence
    # ``wall`` falls in a gap. fold=0 reads it with the offset before the change and lands
    # after the change; fold=1 reads it with the offset after and lands before. The change
    # itself, the first instant after the gap, lies between the two: find it by bisection.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(before, first), max(before, first)
    after_offset = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def period_key(slot: datetime, timezone: str) -> str:
    """The local date of a slot as ``YYYY-MM-DD``: one digest per chat and key, for idempotency."""
    _require_aware(slot)
    return slot.astimezone(_zone(timezone)).date().isoformat()


def parse_digest_time(text: str) -> time:
    """Parse a digest time a user typed: ``HH:MM``, ``H:MM``, or a bare hour such as ``8``."""
    value = text.strip()
    if re.fullmatch(r"\d{1,2}", value) and int(value) < 24:
        return time(int(value))
    try:
        return parse_hhmm(value)
    except ValueError:
        raise InvalidInput(
            N_("“%(text)s” is not a time; send it as HH:MM in 24-hour form, e.g. 08:00 or 18:30"),
            text=shorten(text),
        ) from None


def resolve_timezone(name: str) -> str:
    """The IANA zone a user means by ``name``: an IANA name in any case, or a city name.

    "asia/baghdad", "Baghdad", "new york", "Kyiv" and "St. John's" all resolve. Raises
    InvalidInput naming up to three close matches when nothing does.
    """
    key = _normalise(name)
    if not key:
        raise InvalidInput(N_("Send a time zone, e.g. Europe/Berlin, or a city, e.g. Berlin."))
    zones, cities = _zone_names(), _city_names()
    found = zones.get(key.replace(" ", "_")) or zones.get(key) or cities.get(key)
    if found is not None:
        return found
    choices = {**{k: v for k, v in zones.items() if "/" in v}, **cities}
    close = difflib.get_close_matches(key, choices, n=6, cutoff=0.6)
    by_zone: dict[str, str] = {}
    for match in close:
        by_zone.setdefault(choices[match], _display(match, choices[match]))
    suggestions = list(by_zone.values())[:3]
    if suggestions:
        raise InvalidInput(
            N_(
                "Unknown time zone “%(name)s”. Did you mean %(choices)s? Send a city like "
                "Baghdad or an IANA name like Asia/Baghdad."
            ),
            name=shorten(name),
            choices=_or_list(suggestions),
        )
    raise InvalidInput(
        N_(
            "Unknown time zone “%(name)s”. Send a city like Baghdad or an IANA name like "
            "Asia/Baghdad."
        ),
        name=shorten(name),
    )


# Cities people name that are not the last part of an IANA name, or that it spells otherwise,
# and last parts that more than one zone shares, pinned to the canonical zone.
_ALIASES = {
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "istanbul": "Europe/Istanbul",
    "nicosia": "Asia/Nicosia",
    "samoa": "Pacific/Apia",
    "hawaii": "Pacific/Honolulu",
    "mumbai": "Asia/Kolkata",
    "bombay": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "peking": "Asia/Shanghai",
    "washington": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
    "utc": "UTC",
    "gmt": "Etc/GMT",
}

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


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}") from None


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA name, keyed by its lower-case form."""
    return {name.lower(): name for name in available_timezones() if name != "localtime"}


@cache
def _city_names() -> dict[str, str]:
    """City (last part of a geographic IANA name, spaced) to zone, plus the aliases."""
    cities: dict[str, str] = {}
    # Deeper names first, so America/Argentina/Cordoba wins over the old America/Cordoba link.
    for zone in sorted(available_timezones(), key=lambda z: (-z.count("/"), z)):
        if zone.startswith(_AREAS):
            cities.setdefault(_normalise(zone.rsplit("/", 1)[-1]), zone)
    known = _zone_names()
    for alias, zone in _ALIASES.items():
        # Older tzdata has Europe/Kiev but no Europe/Kyiv: use whichever exists.
        fallback = {"Europe/Kyiv": "Europe/Kiev"}.get(zone, zone)
        for candidate in (zone, fallback):
            if candidate.lower() in known:
                cities[alias] = known[candidate.lower()]
                break
    return cities


def _normalise(text: str) -> str:
    """Lower-case, underscores as spaces, no dots or apostrophes, single spaces."""
    text = text.strip().lower().replace("_", " ")
    text = re.sub(r"[.'’]", "", text)
    return " ".join(text.split())


def _display(key: str, zone: str) -> str:
    """How a suggestion reads: the IANA name, or the city as the zone spells it."""
    if "/" in key:
        return zone
    city = zone.rsplit("/", 1)[-1]
    return city.replace("_", " ") if _normalise(city) == key else key.title()


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _undelivered(schedule: DigestSchedule, slot: datetime) -> bool:
    return schedule.last_digest_at is None or slot > schedule.last_digest_at


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
