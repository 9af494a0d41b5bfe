"""Human-readable times: "3 h ago" and dates in a chat's zone. Pure; ``now`` is passed in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def age(then: datetime, now: datetime) -> str:
    """How long ago ``then`` was, in the short form chat users read at a glance."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    days = hours // 24
    if days < 7:
        return f"{days} d ago"
    # Past a week a count of days reads worse than the date.
    return f"{then:%-d %b}" if then.year == now.year else f"{then:%-d %b %Y}"


def local_date(moment: datetime, timezone: str) -> str:
    """``moment`` as a long date in ``timezone``, e.g. "Saturday, 31 May 2025"."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A}, {local.day} {local:%B %Y}"
