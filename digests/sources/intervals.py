"""Fetch intervals as people type them ("15m", "2h", "1d", "900") and as the bot shows them."""

from __future__ import annotations

import re

from digests.errors import InvalidInput

DEFAULT_INTERVAL = 900
MIN_INTERVAL = 60
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> int:
    """Seconds from ``"900"``, ``"90s"``, ``"15m"``, ``"2h"`` or ``"1d"``; at least 60 s."""
    match = _INTERVAL.match(text)
    if not match:
        raise InvalidInput(f"expected an interval like 15m, 2h, 1d or 900 (seconds), got {text!r}")
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < MIN_INTERVAL:
        raise InvalidInput(f"the interval must be at least {MIN_INTERVAL} seconds (1m)")
    return seconds


def format_interval(seconds: int) -> str:
    """An interval as it would be typed ("15m", "2h", "90s"), so parse_interval reads it back."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
