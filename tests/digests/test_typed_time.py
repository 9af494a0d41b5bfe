"""Times of day as people type them, in English and Arabic."""

from __future__ import annotations

from datetime import time

import pytest

from digests.errors import UnclearTime
from digests.typed_time import parse_time_of_day


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("8:00", time(8)), ("08:00", time(8)), ("8", time(8)), (" 18:30 ", time(18, 30)),
     ("0", time(0)), ("23:59", time(23, 59)), ("7pm", time(19)), ("7 PM", time(19)),
     ("7:30 pm", time(19, 30)), ("7.30pm", time(19, 30)), ("7 p.m.", time(19)),
     ("12am", time(0)), ("12pm", time(12)), ("12:15 am", time(0, 15)), ("19.30", time(19, 30)),
     ("19:30", time(19, 30)), ("19h30", time(19, 30)), ("1930", time(19, 30)),
     ("0730", time(7, 30)), ("noon", time(12)), ("midnight", time(0)),
     ("٠٧:٣٠", time(7, 30)), ("١٩٫٣٠", time(19, 30)), ("۰۷:۳۰", time(7, 30)),
     ("٧ م", time(19)), ("7:30 م", time(19, 30)), ("٧:٣٠ مساءً", time(19, 30)),
     ("9 ص", time(9)), ("9 صباحاً", time(9)), ("12 ظهراً", time(12)), ("9 ليلاً", time(21)),
     ("\u200f٠٨:٠٠", time(8))],
)  # fmt: skip
def test_times_people_type_are_read(typed: str, expected: time) -> None:
    assert parse_time_of_day(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["24", "24:00", "8:60", "08:00:00", "", "eight", "-1", "13pm", "0am", "7.5", "half past seven",
     "7 o'clock tomorrow", "٢٥:٠٠"],
)  # fmt: skip
def test_anything_else_is_refused_naming_what_was_typed(typed: str) -> None:
    with pytest.raises(UnclearTime) as info:
        parse_time_of_day(typed)
    assert info.value.typed == " ".join(typed.split())
