"""Digest slots: one digest per allowed local day, at the local time chosen, through DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digests.errors import InvalidInput
from digests.schedule import (
    DigestSchedule,
    Frequency,
    due_slot,
    next_slot,
    period_key,
    slot_on,
)

MINUTE = timedelta(minutes=1)
CATCH_UP = timedelta(hours=6)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def simulate(
    schedule: DigestSchedule,
    start: datetime,
    end: datetime,
    *,
    catch_up: timedelta = CATCH_UP,
    remember: str = "slot",
) -> list[tuple[datetime, datetime]]:
    """Tick every minute from start to end like the scheduler; return (tick, slot) deliveries."""
    deliveries = []
    tick = start
    while tick < end:
        slot = due_slot(schedule, tick, catch_up)
        if slot is not None:
            deliveries.append((tick, slot))
            stored = slot if remember == "slot" else tick
            schedule = replace(schedule, last_digest_at=stored)
        tick += MINUTE
    return deliveries


def local_days(deliveries: list[tuple[datetime, datetime]], zone: str) -> list[date]:
    return [slot.astimezone(ZoneInfo(zone)).date() for _, slot in deliveries]


# (zone, change day, local time, expected UTC slot on the change day)
DST_CASES = [
    # Spring forward: 02:00 -> 03:00 in Berlin; 02:30 does not exist and goes at 03:00 CEST.
    ("Europe/Berlin", date(2026, 3, 29), time(8, 0), utc(2026, 3, 29, 6, 0)),
    ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 0)),
    # Fall back: 03:00 -> 02:00; 02:30 happens twice and goes once, at the first (CEST) one.
    ("Europe/Berlin", date(2026, 10, 25), time(8, 0), utc(2026, 10, 25, 7, 0)),
    ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
    # New York: spring 02:00 -> 03:00, fall 02:00 -> 01:00 (01:30 happens twice).
    ("America/New_York", date(2026, 3, 8), time(8, 0), utc(2026, 3, 8, 12, 0)),
    ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 0)),
    ("America/New_York", date(2026, 11, 1), time(8, 0), utc(2026, 11, 1, 13, 0)),
    ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
    ("America/New_York", date(2026, 11, 1), time(2, 30), utc(2026, 11, 1, 7, 30)),
]


@pytest.mark.parametrize(("zone", "change_day", "at", "expected"), DST_CASES)
@pytest.mark.parametrize("remember", ["slot", "tick"])
def test_one_digest_per_local_day_across_a_dst_change(
    zone: str, change_day: date, at: time, expected: datetime, remember: str
) -> None:
    days = [change_day + timedelta(days=d) for d in (-1, 0, 1)]
    start, end = local_midnight(days[0], zone), local_midnight(days[-1] + timedelta(days=1), zone)
    schedule = DigestSchedule(zone, (at,), last_digest_at=start - MINUTE)

    deliveries = simulate(schedule, start, end, remember=remember)

    assert local_days(deliveries, zone) == days
    assert all(tick == slot for tick, slot in deliveries), "each sent on the minute it was due"
    assert deliveries[1][1] == expected
    for _, slot in (deliveries[0], deliveries[2]):
        assert slot.astimezone(ZoneInfo(zone)).time() == at, "same wall time either side"


@pytest.mark.parametrize(
    ("zone", "expected_slot", "local_day"),
    [
        ("Asia/Kolkata", utc(2026, 1, 15, 2, 30), "2026-01-15"),  # +05:30
        ("Asia/Kathmandu", utc(2026, 1, 15, 2, 15), "2026-01-15"),  # +05:45
        ("America/St_Johns", utc(2026, 1, 15, 11, 30), "2026-01-15"),  # -03:30
        ("Pacific/Kiritimati", utc(2026, 1, 14, 18, 0), "2026-01-15"),  # +14: the day before
    ],
)
def test_fractional_and_far_offsets_are_due_at_local_eight(
    zone: str, expected_slot: datetime, local_day: str
) -> None:
    schedule = DigestSchedule(zone, (time(8, 0),), last_digest_at=expected_slot - timedelta(days=1))

    assert due_slot(schedule, expected_slot - MINUTE, CATCH_UP) is None
    assert due_slot(schedule, expected_slot, CATCH_UP) == expected_slot
    assert due_slot(schedule, expected_slot + timedelta(hours=5), CATCH_UP) == expected_slot
    assert period_key(expected_slot, zone) == local_day
    assert next_slot(schedule, expected_slot - MINUTE) == expected_slot


@pytest.mark.parametrize(
    ("frequency", "zone", "first", "weekdays"),
    [
        (Frequency.WEEKDAYS, "Asia/Tokyo", date(2026, 5, 4), [0, 1, 2, 3, 4]),  # a Monday
        (Frequency.SUN_THU, "Asia/Baghdad", date(2026, 5, 3), [6, 0, 1, 2, 3]),  # a Sunday
    ],
)
def test_working_days_skip_the_weekend_in_the_chats_zone(
    frequency: Frequency, zone: str, first: date, weekdays: list[int]
) -> None:
    start = local_midnight(first, zone)
    schedule = DigestSchedule(zone, (time(7, 0),), frequency, last_digest_at=start)

    days = local_days(simulate(schedule, start, start + timedelta(days=14)), zone)

    assert [d.weekday() for d in days] == weekdays * 2


def test_weekly_comes_once_a_week_on_the_chosen_day() -> None:
    zone = "America/Sao_Paulo"
    start = local_midnight(date(2026, 5, 4), zone)
    schedule = DigestSchedule(zone, (time(21, 0),), Frequency.WEEKLY, 2, last_digest_at=start)

    days = local_days(simulate(schedule, start, start + timedelta(days=21)), zone)

    assert days == [date(2026, 5, 6), date(2026, 5, 13), date(2026, 5, 20)]


def test_off_never_sends_and_has_no_next_digest() -> None:
    start = utc(2026, 5, 4)
    schedule = DigestSchedule("UTC", (time(8, 0),), Frequency.OFF)

    assert simulate(schedule, start, start + timedelta(days=2)) == []
    assert next_slot(schedule, start) is None


def test_downtime_gives_the_missed_digest_once_not_once_per_day() -> None:
    zone = "Europe/Berlin"
    last = slot_on(date(2026, 6, 1), time(8, 0), zone)
    schedule = DigestSchedule(zone, (time(8, 0),), last_digest_at=last)
    back_up = utc(2026, 6, 4, 9, 30)  # 11:30 in Berlin, three days later

    deliveries = simulate(
        schedule, back_up, back_up + timedelta(hours=12), catch_up=timedelta(days=7)
    )

    assert [slot for _, slot in deliveries] == [utc(2026, 6, 4, 6, 0)]


def test_a_slot_older_than_catch_up_is_dropped_and_tomorrow_still_comes() -> None:
    zone = "Europe/Berlin"
    last = slot_on(date(2026, 6, 1), time(8, 0), zone)
    schedule = DigestSchedule(zone, (time(8, 0),), last_digest_at=last)
    back_up = utc(2026, 6, 4, 9, 30)  # 3.5 h after today's 08:00

    assert due_slot(schedule, back_up, timedelta(hours=1)) is None
    deliveries = simulate(schedule, back_up, back_up + timedelta(days=1), catch_up=MINUTE)
    assert [slot for _, slot in deliveries] == [utc(2026, 6, 5, 6, 0)]


def test_next_slot_shows_the_coming_digest_and_skips_one_already_sent() -> None:
    zone = "Europe/Berlin"
    schedule = DigestSchedule(zone, (time(2, 30),))
    night = utc(2026, 3, 28, 23, 0)  # midnight in Berlin, spring-forward night

    assert next_slot(schedule, night) == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    sent = replace(schedule, last_digest_at=utc(2026, 3, 29, 1, 0))
    assert next_slot(sent, utc(2026, 3, 29, 0, 59)) == utc(2026, 3, 30, 0, 30)


ZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Lord_Howe",  # half-hour DST shift
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # DST suspended for Ramadan
]
NEAR_CHANGES = [date(2026, m, d) for m, d in [(3, 3), (3, 25), (4, 1), (9, 22), (10, 20), (10, 28)]]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    first_day=st.sampled_from(NEAR_CHANGES) | st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    frequency=st.sampled_from(
        [Frequency.DAILY, Frequency.WEEKDAYS, Frequency.SUN_THU, Frequency.WEEKLY]
    ),
    weekly_day=st.integers(0, 6),
    remember=st.sampled_from(["slot", "tick"]),
)
def test_ticking_every_minute_for_ten_days_sends_once_per_allowed_local_day(
    zone: str,
    at: time,
    first_day: date,
    frequency: Frequency,
    weekly_day: int,
    remember: str,
) -> None:
    days = [first_day + timedelta(days=d) for d in range(10)]
    start, end = local_midnight(days[0], zone), local_midnight(first_day + timedelta(10), zone)
    schedule = DigestSchedule(zone, (at,), frequency, weekly_day, last_digest_at=start - MINUTE)

    deliveries = simulate(schedule, start, end, remember=remember)

    assert local_days(deliveries, zone) == [d for d in days if frequency.allows(d, weekly_day)]
    assert all(tick == slot for tick, slot in deliveries)
    for _, slot in deliveries:
        wall = slot.astimezone(ZoneInfo(zone))
        # At the chosen time, or later the same day when that time fell in a DST gap.
        assert wall.time() == at or (wall.time() > at and wall.fold == 0)


def test_period_key_is_the_local_date() -> None:
    assert period_key(utc(2026, 3, 28, 23, 30), "Europe/Berlin") == "2026-03-29"
    assert period_key(utc(2026, 3, 28, 23, 30), "America/New_York") == "2026-03-28"


def test_from_columns_reads_the_chat_row() -> None:
    schedule = DigestSchedule.from_columns("Asia/Baghdad", "07:45", "weekly", 4, None)
    assert schedule == DigestSchedule("Asia/Baghdad", (time(7, 45),), Frequency.WEEKLY, 4)


def test_schedule_refuses_unknown_zone_and_naive_last() -> None:
    with pytest.raises(InvalidInput):
        DigestSchedule("Mars/Olympus_Mons", (time(8),))
    with pytest.raises(ValueError, match="aware"):
        DigestSchedule("UTC", (time(8),), last_digest_at=datetime(2026, 1, 1))


def test_a_fixed_offset_zone_schedules_at_that_offset_all_year() -> None:
    # "GMT+3" is stored as Etc/GMT-3 (digests.zones): 08:00 there is 05:00 UTC in any season.
    schedule = DigestSchedule("Etc/GMT-3", (time(8),))
    for month in (1, 7):
        assert next_slot(schedule, utc(2026, month, 10, 4)) == utc(2026, month, 10, 5)
    # Catch-up after downtime works as for any zone: one digest, the latest slot.
    assert due_slot(schedule, utc(2026, 1, 10, 9), CATCH_UP) == utc(2026, 1, 10, 5)


def test_two_times_a_day_give_two_slots_each_day_in_order() -> None:
    zone = "Asia/Baghdad"
    schedule = DigestSchedule(zone, (time(8), time(18, 30)), last_digest_at=utc(2026, 11, 23, 15))
    deliveries = simulate(schedule, utc(2026, 11, 23, 15), utc(2026, 11, 25, 16))
    assert [slot for _, slot in deliveries] == [
        utc(2026, 11, 23, 15, 30),
        utc(2026, 11, 24, 5),
        utc(2026, 11, 24, 15, 30),
        utc(2026, 11, 25, 5),
        utc(2026, 11, 25, 15, 30),
    ]
    assert [period_key(s, zone, schedule.digest_times) for _, s in deliveries[:3]] == [
        "2026-11-23#2",
        "2026-11-24",
        "2026-11-24#2",
    ]


def test_several_times_across_the_berlin_changes_each_come_once_a_day() -> None:
    zone = "Europe/Berlin"
    times = (time(2, 15), time(2, 45), time(8), time(20))
    start = utc(2026, 3, 27)
    schedule = DigestSchedule(zone, times, last_digest_at=start - MINUTE)
    spring = simulate(schedule, start, utc(2026, 3, 31))
    by_day: dict[date, list[datetime]] = {}
    for _, slot in spring:
        by_day.setdefault(slot.astimezone(ZoneInfo(zone)).date(), []).append(slot)
    # 02:15 and 02:45 do not exist on the 29th: both go at 03:00 CEST, as one digest.
    assert by_day[date(2026, 3, 29)] == [
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 6, 0),
        utc(2026, 3, 29, 18, 0),
    ]
    assert [len(by_day[day]) for day in sorted(by_day)] == [4, 4, 3, 4]
    autumn = simulate(
        replace(schedule, last_digest_at=utc(2026, 10, 24)), utc(2026, 10, 24), utc(2026, 10, 26)
    )
    # 02:15 and 02:45 happen twice on the 25th: each is sent once, at its first occurrence.
    assert [s for _, s in autumn if s.date() == date(2026, 10, 25)][:2] == [
        utc(2026, 10, 25, 0, 15),
        utc(2026, 10, 25, 0, 45),
    ]
    assert len(autumn) == 8


def test_after_downtime_several_missed_times_give_one_digest_at_the_latest() -> None:
    zone = "Asia/Baghdad"
    last = utc(2026, 11, 24, 5)  # 08:00 sent; 12:00 and 18:00 missed while down
    schedule = DigestSchedule(zone, (time(8), time(12), time(18)), last_digest_at=last)
    assert due_slot(schedule, utc(2026, 11, 24, 15, 40), CATCH_UP) == utc(2026, 11, 24, 15)
    # Beyond catch-up the missed one is dropped; the next comes as usual.
    assert due_slot(schedule, utc(2026, 11, 25, 1), CATCH_UP) is None
    assert next_slot(schedule, utc(2026, 11, 25, 1)) == utc(2026, 11, 25, 5)


def test_schedule_refuses_unsorted_or_empty_times() -> None:
    with pytest.raises(ValueError, match="sorted"):
        DigestSchedule("UTC", (time(18), time(8)))
    with pytest.raises(ValueError, match="sorted"):
        DigestSchedule("UTC", ())
