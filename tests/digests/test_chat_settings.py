"""Per-chat settings: each change validated and stored, and the next digest kept in step."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from digests.chat_settings import (
    SetFrequency,
    SetMaxItems,
    SetNotifyEmpty,
    SetTime,
    SetZone,
    change_settings,
    get_settings,
    max_items_from_text,
    settings_view,
    time_from_text,
    zone_from_location,
    zone_from_text,
    zone_note,
)
from digests.db import Database
from digests.errors import InvalidInput
from digests.models import Chat
from digests.schedule import Frequency
from digests.settings import Settings
from digests.types import ChatKind, ChatRef

CHAT = ChatRef(id=1001, kind=ChatKind.PRIVATE, title="Test")
DEFAULTS = Settings(default_timezone="Asia/Baghdad", default_digest_time="08:00")
# Monday 24 November 2025, 00:00 UTC (03:00 in Baghdad, 05:45 in Kathmandu).
MONDAY = datetime(2025, 11, 24, 0, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def stored(db: Database) -> Chat:
    async with db.transaction() as session:
        row = await session.get(Chat, CHAT.id)
    assert row is not None
    return row


async def test_a_new_chat_gets_the_defaults_and_its_next_digest(db: Database) -> None:
    current = await get_settings(db, CHAT, DEFAULTS, now=MONDAY)
    assert (current.timezone, current.digest_times, current.frequency) == (
        "Asia/Baghdad",
        (time(8),),
        Frequency.DAILY,
    )
    assert (current.max_items, current.notify_empty) == (10, False)
    assert current.next_digest_at == utc(2025, 11, 24, 5, 0)  # 08:00 at UTC+3
    assert settings_view(current).next_digest == "Mon 24 Nov, 08:00"


async def test_time_is_stored_and_next_digest_recomputed_for_kathmandu(db: Database) -> None:
    await change_settings(db, CHAT, zone_from_text("Kathmandu"), DEFAULTS, now=MONDAY)
    current = await change_settings(db, CHAT, time_from_text("7:30"), DEFAULTS, now=MONDAY)
    # 05:45 local now, so 07:30 today: 07:30 - 05:45 = 01:45 UTC.
    assert current.timezone == "Asia/Kathmandu"
    assert current.next_digest_at == utc(2025, 11, 24, 1, 45)
    row = await stored(db)
    assert (row.timezone, row.digest_times) == ("Asia/Kathmandu", "07:30")
    assert row.next_digest_at == utc(2025, 11, 24, 1, 45)


async def test_a_time_already_past_today_moves_to_tomorrow(db: Database) -> None:
    await change_settings(db, CHAT, zone_from_text("Asia/Kathmandu"), DEFAULTS, now=MONDAY)
    current = await change_settings(db, CHAT, SetTime(time(5, 0)), DEFAULTS, now=MONDAY)
    assert current.next_digest_at == utc(2025, 11, 24, 23, 15)  # Tue 05:00 local


async def test_next_digest_keeps_local_time_across_spring_forward(db: Database) -> None:
    # Berlin moves from UTC+1 to UTC+2 at 02:00 local on Sunday 30 March 2025.
    saturday_noon = utc(2025, 3, 29, 12, 0)
    await change_settings(db, CHAT, SetZone("Europe/Berlin"), DEFAULTS, now=saturday_noon)
    eight = await change_settings(db, CHAT, SetTime(time(8)), DEFAULTS, now=saturday_noon)
    assert eight.next_digest_at == utc(2025, 3, 30, 6, 0)  # 08:00 CEST, not 07:00 UTC
    in_gap = await change_settings(db, CHAT, SetTime(time(2, 30)), DEFAULTS, now=saturday_noon)
    assert in_gap.next_digest_at == utc(2025, 3, 30, 1, 0)  # 02:30 does not exist: 03:00 CEST
    assert (await stored(db)).next_digest_at == utc(2025, 3, 30, 1, 0)


async def test_weekly_frequency_needs_a_day_and_lands_on_it(db: Database) -> None:
    with pytest.raises(InvalidInput, match="needs a day"):
        SetFrequency(Frequency.WEEKLY)
    with pytest.raises(InvalidInput):
        SetFrequency(Frequency.WEEKLY, 7)
    friday = await change_settings(
        db, CHAT, SetFrequency(Frequency.WEEKLY, 4), DEFAULTS, now=MONDAY
    )
    assert (friday.frequency, friday.weekly_day) == (Frequency.WEEKLY, 4)
    assert friday.next_digest_at == utc(2025, 11, 28, 5, 0)
    assert settings_view(friday).weekday == "Friday"
    row = await stored(db)
    assert (row.frequency, row.weekly_day) == ("weekly", 4)


async def test_weekdays_skip_the_weekend(db: Database) -> None:
    saturday = utc(2025, 11, 29, 12, 0)
    current = await change_settings(
        db, CHAT, SetFrequency(Frequency.WEEKDAYS), DEFAULTS, now=saturday
    )
    assert current.next_digest_at == utc(2025, 12, 1, 5, 0)  # Monday


async def test_off_clears_the_next_digest_and_keeps_the_weekly_day(db: Database) -> None:
    await change_settings(db, CHAT, SetFrequency(Frequency.WEEKLY, 2), DEFAULTS, now=MONDAY)
    current = await change_settings(db, CHAT, SetFrequency(Frequency.OFF), DEFAULTS, now=MONDAY)
    assert current.next_digest_at is None
    assert settings_view(current).next_digest is None
    row = await stored(db)
    assert (row.frequency, row.weekly_day, row.next_digest_at) == ("off", 2, None)


async def test_max_items_is_validated_and_stored(db: Database) -> None:
    for bad in ("0", "31", "abc", "-5", "1.5", ""):
        with pytest.raises(InvalidInput, match="from 1 to 30"):
            max_items_from_text(bad)
    with pytest.raises(InvalidInput):
        SetMaxItems(True)  # a bool is not a count
    current = await change_settings(db, CHAT, max_items_from_text(" 30 "), DEFAULTS, now=MONDAY)
    assert current.max_items == 30
    assert (await stored(db)).max_items == 30


async def test_size_and_note_changes_leave_the_schedule_alone(db: Database) -> None:
    await change_settings(db, CHAT, SetTime(time(9)), DEFAULTS, now=MONDAY)
    before = (await stored(db)).next_digest_at
    await change_settings(db, CHAT, SetMaxItems(5), DEFAULTS, now=utc(2025, 11, 25))
    current = await change_settings(db, CHAT, SetNotifyEmpty(True), DEFAULTS, now=utc(2025, 11, 25))
    assert current.notify_empty is True
    row = await stored(db)
    assert (row.max_items, row.notify_empty, row.next_digest_at) == (5, True, before)


async def test_a_time_must_be_a_real_time(db: Database) -> None:
    for bad in ("25:00", "7.5", "noonish", "07:60"):
        with pytest.raises(InvalidInput, match="HH:MM"):
            time_from_text(bad)
    with pytest.raises(InvalidInput):
        SetTime(time(7, 30, 15))
    assert time_from_text("18").at == time(18)
    assert time_from_text("7pm").at == time(19)


def test_a_city_resolves_to_its_zone() -> None:
    assert zone_from_text("baghdad").zone == "Asia/Baghdad"
    assert zone_from_text("asia/kathmandu").zone == "Asia/Kathmandu"


def test_an_unknown_zone_is_refused_with_a_suggestion() -> None:
    with pytest.raises(InvalidInput, match="Did you mean Baghdad"):
        zone_from_text("Baghdadd")
    with pytest.raises(InvalidInput, match="unknown time zone 'Mars/Base'"):
        zone_from_text("Mars/Base")
    with pytest.raises(InvalidInput):
        SetZone("Mars/Base")


async def test_gmt_plus_3_is_stored_as_utc_plus_3_and_shown_as_such(db: Database) -> None:
    change = zone_from_text("GMT+3")
    current = await change_settings(db, CHAT, change, DEFAULTS, now=MONDAY)
    assert (await stored(db)).timezone == "Etc/GMT-3"
    assert current.next_digest_at == utc(2025, 11, 24, 5, 0)  # 08:00 at UTC+3
    view = settings_view(current)
    assert (view.zone_label, view.zone_name) == ("UTC+03:00", "UTC+03:00")
    note = zone_note(change, current, "en")
    assert note is not None
    assert (note.how, note.offset, note.fixed) == ("offset", "UTC+03:00", True)


async def test_a_city_note_names_the_place_in_the_chats_language(db: Database) -> None:
    change = zone_from_text("بغداد")
    current = await change_settings(db, CHAT, change, DEFAULTS, now=MONDAY)
    note = zone_note(change, current, "ar")
    assert note is not None
    assert (note.how, note.zone, note.place) == (
        "city",
        "Asia/Baghdad (UTC+03:00)",
        "Baghdad، العراق",
    )
    assert zone_note(SetZone("Asia/Baghdad"), current, "en") is None


async def test_a_location_sets_the_zone_found_there(db: Database) -> None:
    change = zone_from_location(32.08, 34.78)
    current = await change_settings(db, CHAT, change, DEFAULTS, now=MONDAY)
    assert current.timezone == "Asia/Jerusalem"
    note = zone_note(change, current, "en")
    assert note is not None and note.how == "location"
