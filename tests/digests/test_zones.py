"""What zone a typed answer means: offsets the way people mean them, current IANA names,
cities and countries in English and Arabic, shared locations, and errors that help."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digests.errors import UnknownZone
from digests.zones import (
    FIXED_ZONES,
    Via,
    canonical_zone,
    offset_label,
    parse_offset,
    resolve_zone,
    zone_at,
)

WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


def offsets(zone: str) -> set[timedelta | None]:
    return {moment.astimezone(ZoneInfo(zone)).utcoffset() for moment in (WINTER, SUMMER)}


@pytest.mark.parametrize(
    ("typed", "hours"),
    [("GMT+3", 3), ("UTC+3", 3), ("+03:00", 3), ("utc +3", 3), ("UTC-5", -5), ("UTC−5", -5),
     ("GMT-8", -8), ("+0300", 3), ("gmt 3", 3), ("UTC+14", 14), ("-12:00", -12),
     ("غرينتش+3", 3), ("+٣", 3), ("٣+ غرينتش", 3), ("UTC+٣", 3)],
)  # fmt: skip
def test_an_offset_is_the_zone_that_is_that_far_ahead_of_utc(typed: str, hours: int) -> None:
    choice = resolve_zone(typed)
    assert choice.via is Via.OFFSET
    # Etc/GMT-3 is UTC+3: what matters is the offset zoneinfo gives, both seasons.
    assert offsets(choice.zone) == {timedelta(hours=hours)}


def test_gmt_plus_3_is_not_the_posix_zone_of_the_same_name() -> None:
    assert resolve_zone("GMT+3").zone == "Etc/GMT-3"
    # Typed as the IANA name it is, Etc/GMT+3 stays what it is: UTC−3, and says so.
    assert offsets(resolve_zone("Etc/GMT+3").zone) == {timedelta(hours=-3)}
    assert offset_label(timedelta(hours=-3)) == "UTC−03:00"
    assert offset_label(timedelta(hours=5, minutes=30)) == "UTC+05:30"


@pytest.mark.parametrize(
    ("typed", "offset"),
    [("+5:30", timedelta(hours=5, minutes=30)), ("+0530", timedelta(hours=5, minutes=30)),
     ("UTC+5:45", timedelta(hours=5, minutes=45)), ("utc+03:30", timedelta(hours=3, minutes=30)),
     ("-9:30", timedelta(hours=-9, minutes=-30))],
)  # fmt: skip
def test_a_part_hour_offset_is_a_zone_that_keeps_it_all_year(typed: str, offset: timedelta) -> None:
    choice = resolve_zone(typed)
    assert choice.offset == offset
    assert offsets(choice.zone) == {offset}


def test_every_part_hour_zone_keeps_its_offset_all_year() -> None:
    for offset, zone in FIXED_ZONES.items():
        assert offsets(zone) == {offset}, zone


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("UTC+15", "offset_range"), ("GMT-13", "offset_range"), ("UTC-3:30", "offset_not_fixed"),
     ("+12:45", "offset_not_fixed"), ("   ", "empty"), ("Qwxzy", "unknown")],
)  # fmt: skip
def test_what_cannot_be_a_zone_is_refused_with_the_reason(typed: str, problem: str) -> None:
    with pytest.raises(UnknownZone) as info:
        resolve_zone(typed)
    assert info.value.problem == problem


def test_a_bare_number_is_not_an_offset() -> None:
    assert parse_offset("3") is None
    assert parse_offset("UTC") == timedelta(0)
    assert parse_offset("Baghdad") is None


@pytest.mark.parametrize(
    ("name", "current"),
    [("Asia/Tel_Aviv", "Asia/Jerusalem"), ("Europe/Kiev", "Europe/Kyiv"),
     ("Asia/Calcutta", "Asia/Kolkata"), ("US/Eastern", "America/New_York"),
     ("Asia/Saigon", "Asia/Ho_Chi_Minh"), ("Etc/UTC", "UTC"), ("GMT", "UTC"),
     ("Europe/Amsterdam", "Europe/Amsterdam"), ("Asia/Baghdad", "Asia/Baghdad")],
)  # fmt: skip
def test_old_names_become_current_ones_and_country_zones_stay(name: str, current: str) -> None:
    assert canonical_zone(name) == current


def test_a_typed_old_name_is_replaced_and_the_reply_can_say_so() -> None:
    choice = resolve_zone("asia/tel_aviv")
    assert (choice.zone, choice.via) == ("Asia/Jerusalem", Via.RENAMED)
    assert resolve_zone("Tel Aviv").zone == "Asia/Jerusalem"


def test_a_shared_name_prefers_the_most_populous_city_and_names_the_others() -> None:
    choice = resolve_zone("Portland")
    assert choice.zone == "America/Los_Angeles"
    assert choice.place is not None and choice.place.country == "US"
    assert "America/New_York" in {city.zone for city in choice.others}
    assert resolve_zone("Paris, US").zone == "America/Chicago"
    assert resolve_zone("Paris").zone == "Europe/Paris"


def test_a_city_a_zone_is_named_after_beats_a_bigger_citys_alternate_name() -> None:
    # Changchun and Delhi have "Cancun" and "Dili" among their alternate names.
    assert resolve_zone("Cancun").zone == "America/Cancun"
    assert resolve_zone("Dili").zone == "Asia/Dili"
    # Without a zone named after it, the most populous city stays first.
    assert resolve_zone("Odessa").zone == "Europe/Kyiv"


def test_a_country_is_its_largest_citys_zone_and_says_when_it_has_several() -> None:
    iraq = resolve_zone("العراق")
    assert (iraq.zone, iraq.via, iraq.country, iraq.several_zones) == (
        "Asia/Baghdad",
        Via.COUNTRY,
        "IQ",
        False,
    )
    usa = resolve_zone("USA")
    assert usa.zone == "America/New_York" and usa.several_zones


def test_unknown_names_get_close_suggestions() -> None:
    with pytest.raises(UnknownZone) as info:
        resolve_zone("Baghdadd")
    assert "Baghdad (Asia/Baghdad)" in info.value.suggestions
    with pytest.raises(UnknownZone) as info:
        resolve_zone("Asia/Bagdad")
    assert info.value.suggestions[0] == "Asia/Baghdad"


@pytest.mark.parametrize(
    ("latitude", "longitude", "zone"),
    [(33.31, 44.36, "Asia/Baghdad"), (32.08, 34.78, "Asia/Jerusalem"),
     (50.45, 30.52, "Europe/Kyiv"), (40.71, -74.0, "America/New_York"),
     (21.42, 39.83, "Asia/Riyadh")],
)  # fmt: skip
def test_a_location_is_mapped_offline(latitude: float, longitude: float, zone: str) -> None:
    choice = zone_at(latitude, longitude)
    assert (choice.zone, choice.via) == (zone, Via.LOCATION)


def test_a_location_off_the_globe_is_refused() -> None:
    with pytest.raises(UnknownZone) as info:
        zone_at(91.0, 0.0)
    assert info.value.problem == "location"
