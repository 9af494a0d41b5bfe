"""What the domain reports about its own work, for metrics; the adapter decides where it goes.

The sender, the fetch jobs and the digest tick call a :class:`Telemetry`; ``bot/metrics.py``
implements it with Prometheus counters. ``NO_TELEMETRY`` is the default, so tests and the
command line need nothing.
"""

from __future__ import annotations

from typing import Protocol


class Telemetry(Protocol):
    """Receives one call per event; implementations must be cheap and never raise."""

    def sent(self, lane: str, outcome: str, seconds: float) -> None:
        """One send attempt of an outbox row ended with ``outcome`` (a SendStatus value)."""

    def paused(self, seconds: float) -> None:
        """Telegram answered 429: every send waits ``seconds``."""

    def possible_duplicates(self, count: int) -> None:
        """``count`` rows were found in flight at start and are sent again."""

    def fetched(self, outcome: str, seconds: float) -> None:
        """One source fetch ended (``ok`` or ``error``) after ``seconds``."""

    def ticked(self, seconds: float, queued: int) -> None:
        """One digest tick took ``seconds`` and queued ``queued`` digests."""


class _NoTelemetry:
    """Discards every event."""

    def sent(self, lane: str, outcome: str, seconds: float) -> None:
        pass

    def paused(self, seconds: float) -> None:
        pass

    def possible_duplicates(self, count: int) -> None:
        pass

    def fetched(self, outcome: str, seconds: float) -> None:
        pass

    def ticked(self, seconds: float, queued: int) -> None:
        pass


NO_TELEMETRY: Telemetry = _NoTelemetry()
