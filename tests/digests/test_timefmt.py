"""Ages read the way chat users expect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from digests.timefmt import age, local_date

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "shown"),
    [
        (timedelta(seconds=20), "just now"),
        (timedelta(minutes=-5), "just now"),
        (timedelta(minutes=7), "7 min ago"),
        (timedelta(hours=3, minutes=59), "3 h ago"),
        (timedelta(hours=47), "47 h ago"),
        (timedelta(days=3), "3 d ago"),
        (timedelta(days=20), "4 Nov"),
        (timedelta(days=400), "20 Oct 2025"),
    ],
)
def test_age(ago: timedelta, shown: str) -> None:
    assert age(NOW - ago, NOW) == shown


def test_local_date_uses_the_chat_zone() -> None:
    late = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    assert local_date(late, "UTC") == "Tuesday, 24 November 2026"
    assert local_date(late, "Asia/Baghdad") == "Wednesday, 25 November 2026"
