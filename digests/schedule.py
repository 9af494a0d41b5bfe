"""When a chat's digest is due: local-time slots turned into UTC instants, DST included.

A *slot* is one scheduled digest: a local date on which the chat's frequency allows a digest,
at one of the chat's ``digest_times`` (up to four) in the chat's zone, as a UTC instant. The
scheduler ticks every minute or so and asks :func:`due_slot`; this module decides, from values
alone, which slot (if any) is owed. Time is data here: ``now`` always comes from the caller.

Daylight-saving rules, so that 08:00 stays 08:00 on both sides of a change:

* a local time that does not exist on a day (02:30 on the spring-forward day in Berlin) is
  sent at the first instant after the gap (03:00 local), never skipped;
* a local time that happens twice (02:30 on the fall-back day in Berlin) is sent once, at its
  first occurrence (``fold=0``).

With several times a day the rules hold for each; two times that land on one instant (02:15
and 02:45 in a spring-forward gap) give one digest. Each digest covers what is new since the
slot before it, so the windows neither overlap nor leave gaps.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digests.errors import InvalidInput
from digests.settings import parse_times


class Frequency(enum.StrEnum):
    """On which local days a chat gets a digest."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"  # Monday to Friday, in the chat's zone
    SUN_THU = "sun_thu"  # Sunday to Thursday: the working week in Iraq and the Gulf
    WEEKLY = "weekly"  # on ``weekly_day`` (0 = Monday ... 6 = Sunday)
    OFF = "off"

    def allows(self, day: date, weekly_day: int) -> bool:
        """Whether a digest is scheduled on this local date."""
        if self is Frequency.DAILY:
            return True
        if self is Frequency.WEEKDAYS:
            return day.weekday() < 5
        if self is Frequency.SUN_THU:
            return day.weekday() in (6, 0, 1, 2, 3)
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
    digest_times: tuple[time, ...]
    frequency: Frequency = Frequency.DAILY
    weekly_day: int = 0
    last_digest_at: datetime | None = None

    def __post_init__(self) -> None:
        _zone(self.timezone)  # fail at construction, not at the first tick
        if not self.digest_times or list(self.digest_times) != sorted(set(self.digest_times)):
            raise ValueError("digest_times must be sorted, distinct and not empty")
        if not 0 <= self.weekly_day <= 6:
            raise ValueError(f"weekly_day must be 0 (Monday) to 6 (Sunday), got {self.weekly_day}")
        if self.last_digest_at is not None and self.last_digest_at.utcoffset() is None:
            raise ValueError("last_digest_at must be timezone-aware")

    @classmethod
    def from_columns(
        cls,
        timezone: str,
        digest_times: str,
        frequency: str,
        weekly_day: int,
        last_digest_at: datetime | None,
    ) -> DigestSchedule:
        """Build from the ``chats`` columns as stored (``digest_times`` as ``HH:MM,HH:MM``)."""
        return cls(
            timezone=timezone,
            digest_times=parse_times(digest_times),
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
            past = [slot for slot in _slots(schedule, day) if slot <= now]
            if past:
                slot = max(past)
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
            for slot in sorted(_slots(schedule, day)):
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


def period_key(slot: datetime, timezone: str, times: tuple[time, ...] = ()) -> str:
    """The edition key of a slot: one digest per chat and key, for idempotency.

    The local date (``YYYY-MM-DD``) for the day's first time, ``YYYY-MM-DD#2`` to ``#4`` for
    the later ones (``times`` sorted, as in :class:`DigestSchedule`). So a day never has more
    digests than times: moving a time later on a day it was sent gives no second digest.
    """
    _require_aware(slot)
    day = slot.astimezone(_zone(timezone)).date()
    for position, at in enumerate(times[1:], start=2):
        if slot_on(day, at, timezone) == slot and slot_on(day, times[0], timezone) != slot:
            return f"{day.isoformat()}#{position}"
    return day.isoformat()


def _slots(schedule: DigestSchedule, day: date) -> list[datetime]:
    return [slot_on(day, at, schedule.timezone) for at in schedule.digest_times]


@cache
def _zone(name: str) -> ZoneInfo:
    """Cached per valid IANA name (unknown names raise and are not kept): ~600 at most."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}") from None


def _undelivered(schedule: DigestSchedule, slot: datetime) -> bool:
    return schedule.last_digest_at is None or slot > schedule.last_digest_at


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
