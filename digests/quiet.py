"""Quiet hours: is a chat in them at an instant, and when do they end (its zone, DST included).

A chat's quiet hours are two local times of day, ``start`` (inclusive) and ``end``
(exclusive); when ``start`` is later than ``end`` they wrap midnight (22:00–07:00). Alerts and
broadcasts that fall in them wait until they end (urgent broadcasts excepted); digests come
at the time the chat chose. Daylight saving follows :func:`digests.schedule.slot_on`: an end
that does not exist on a day (in the spring-forward gap) is the first instant after the gap.
Pure: values in, values out, ``at`` from the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from digests.errors import InvalidInput
from digests.i18n import N_
from digests.schedule import slot_on
from digests.typed_time import parse_time_of_day

_RANGE = re.compile(r"\s*(?:–|—|-|\bto\b|\buntil\b|إلى|الى|حتى)\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` until ``end``, local time, every day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound.tzinfo is not None or bound.second or bound.microsecond:
                raise InvalidInput("quiet hours are local times in whole minutes, e.g. 22:00")
        if self.start == self.end:
            raise InvalidInput(N_("Quiet hours need an end different from their start."))

    @classmethod
    def from_columns(cls, start: str | None, end: str | None) -> QuietHours | None:
        """From the ``chats`` columns (``HH:MM`` each); None when the chat has none."""
        if not start or not end:
            return None
        return cls(time.fromisoformat(start), time.fromisoformat(end))

    @property
    def label(self) -> str:
        """ "22:00–07:00"."""
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def holds(self, clock: time) -> bool:
        """Whether the local time of day ``clock`` is quiet."""
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


def quiet_until(quiet: QuietHours | None, timezone: str, at: datetime) -> datetime | None:
    """When the chat's quiet hours around ``at`` end (UTC), or None if ``at`` is not quiet.

    What waits for quiet hours is held until this instant.
    """
    if quiet is None:
        return None
    local = at.astimezone(ZoneInfo(timezone))
    clock = local.time().replace(fold=0)
    if not quiet.holds(clock):
        return None
    day = local.date()
    if quiet.start > quiet.end and clock >= quiet.start:
        day += timedelta(days=1)  # quiet since the evening: it ends tomorrow morning
    end = slot_on(day, quiet.end, timezone)
    return end if end > at else None


class QuietClock:
    """:func:`quiet_until` at one instant for many chats, each distinct (hours, zone) worked
    out once: a broadcast to 100,000 chats asks about a handful of combinations."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self._seen: dict[tuple[str | None, str | None, str], datetime | None] = {}

    def until(self, start: str | None, end: str | None, timezone: str) -> datetime | None:
        """When the quiet hours stored as ``start``/``end`` (``HH:MM``) in ``timezone`` end,
        if ``at`` is in them; None otherwise (or when the chat has none)."""
        key = (start, end, timezone)
        if key not in self._seen:
            self._seen[key] = quiet_until(QuietHours.from_columns(start, end), timezone, self.at)
        return self._seen[key]


def quiet_hours_from_text(text: str) -> QuietHours:
    """Quiet hours typed as a range: "22:00-07:00", "22–7", "10pm to 7am", "٢٢:٠٠ إلى ٧".

    Raises InvalidInput (UnclearTime for a bound that is not a time) otherwise.
    """
    parts = [part for part in _RANGE.split(text.strip(), maxsplit=1) if part.strip()]
    if len(parts) != 2:
        raise InvalidInput(
            N_("Send the quiet hours as a start and an end, e.g. 22:00-07:00."),
        )
    return QuietHours(parse_time_of_day(parts[0]), parse_time_of_day(parts[1]))
