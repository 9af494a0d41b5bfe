"""Quiet hours: in them or not at an instant, and when they end, in the chat's zone with DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from digests.errors import InvalidInput, UnclearTime
from digests.quiet import QuietClock, QuietHours, quiet_hours_from_text, quiet_until

NIGHT = QuietHours(time(22), time(7))


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "until"),
    [
        (_utc(2026, 6, 1, 19, 59), _utc(2026, 6, 2, 4, 0)),  # 22:59 in Baghdad (UTC+3)
        (_utc(2026, 6, 1, 18, 59), None),  # 21:59 local: not yet
        (_utc(2026, 6, 1, 19, 0), _utc(2026, 6, 2, 4, 0)),  # 22:00 local: until 07:00 tomorrow
        (_utc(2026, 6, 2, 1, 30), _utc(2026, 6, 2, 4, 0)),  # 04:30 local: until 07:00 today
        (_utc(2026, 6, 2, 4, 0), None),  # 07:00 local: over
    ],
)
def test_quiet_hours_across_midnight_in_the_chats_zone(
    at: datetime, until: datetime | None
) -> None:
    assert quiet_until(NIGHT, "Asia/Baghdad", at) == until


def test_daylight_saving_moves_the_end_with_the_clock() -> None:
    # Berlin springs forward on 29 March 2026 at 02:00 CET: 07:00 CEST is 05:00 UTC.
    assert quiet_until(NIGHT, "Europe/Berlin", _utc(2026, 3, 28, 22, 30)) == _utc(2026, 3, 29, 5)
    # and falls back on 25 October 2026: 07:00 CET is 06:00 UTC.
    assert quiet_until(NIGHT, "Europe/Berlin", _utc(2026, 10, 24, 21)) == _utc(2026, 10, 25, 6)


def test_an_end_inside_the_spring_forward_gap_is_the_first_instant_after_it() -> None:
    early = QuietHours(time(1), time(2, 30))  # 02:30 does not exist in Berlin on 29 March
    assert quiet_until(early, "Europe/Berlin", _utc(2026, 3, 29, 0, 45)) == _utc(2026, 3, 29, 1)


def test_a_day_window_and_no_quiet_hours() -> None:
    lunch = QuietHours(time(12), time(13))
    assert quiet_until(lunch, "UTC", _utc(2026, 6, 1, 12, 30)) == _utc(2026, 6, 1, 13)
    assert quiet_until(lunch, "UTC", _utc(2026, 6, 1, 13, 30)) is None
    assert quiet_until(None, "UTC", _utc(2026, 6, 1, 12, 30)) is None


def test_the_clock_answers_many_chats_from_their_stored_columns() -> None:
    clock = QuietClock(_utc(2026, 6, 1, 23))
    assert clock.until("22:00", "07:00", "UTC") == _utc(2026, 6, 2, 7)
    assert clock.until("22:00", "07:00", "Asia/Tokyo") is None  # 08:00 there
    assert clock.until(None, None, "UTC") is None


@pytest.mark.parametrize(
    ("typed", "hours"),
    [
        ("22:00-07:00", NIGHT),
        ("22 – 7", NIGHT),
        ("10pm to 7am", NIGHT),
        ("٢٢:٠٠ إلى ٠٧:٠٠", NIGHT),
        ("23:30 - 6:15", QuietHours(time(23, 30), time(6, 15))),
    ],
)
def test_typed_quiet_hours(typed: str, hours: QuietHours) -> None:
    assert quiet_hours_from_text(typed) == hours
    assert hours.label.count("–") == 1


@pytest.mark.parametrize(("typed", "error"), [("soon", InvalidInput), ("10pm-lunch", UnclearTime),
                                              ("22:00-22:00", InvalidInput)])  # fmt: skip
def test_bad_quiet_hours_are_refused(typed: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        quiet_hours_from_text(typed)
