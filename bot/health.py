"""Readiness: can this process do its work now? Database, schema, Bot API, roles.

``/healthz`` only says the process answers; ``/readyz`` asks the database (and which migration
it is at) and whether the Bot API answered in the last ``fresh`` seconds, asking ``getMe``
when nothing else did lately, so a load balancer sends updates only where they can be served.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot
from telegram.error import NetworkError, TelegramError

from digests import migrate
from digests.db import Database

log = logging.getLogger(__name__)


class BotApiWatch:
    """Remembers when the Bot API last answered; asks it (``getMe``) when that is too long ago."""

    def __init__(self, bot: Bot, *, fresh: float = 60.0, probe_timeout: float = 5.0) -> None:
        self._bot = bot
        self._fresh = fresh
        self._probe_timeout = probe_timeout
        self._last: float | None = None
        self._probing: asyncio.Lock | None = None

    def answered(self) -> None:
        """Record that the Bot API just answered (any answer, an error included)."""
        self._last = time.monotonic()

    def age(self) -> float | None:
        """Seconds since the last answer, or None if it never answered."""
        return None if self._last is None else time.monotonic() - self._last

    async def check(self) -> tuple[bool, str]:
        """Whether the Bot API answered recently (probing if needed), and a short note."""
        if self._probing is None:
            self._probing = asyncio.Lock()
        async with self._probing:
            age = self.age()
            if age is None or age > self._fresh:
                try:
                    await self._bot.get_me(
                        read_timeout=self._probe_timeout, connect_timeout=self._probe_timeout
                    )
                    self.answered()
                except NetworkError as exc:  # no answer: connection, timeout or 5xx
                    return False, f"no answer: {exc}"
                except TelegramError:
                    self.answered()  # it answered, if with an error
        age = self.age() or 0.0
        return True, f"answered {age:.0f} s ago"


@dataclass
class Readiness:
    """Runs the readiness checks of one process."""

    db: Database
    bot_api: BotApiWatch
    roles: Callable[[], dict[str, bool]]
    timeout: float = 5.0
    head: str | None = field(default_factory=migrate.head_revision)  # read the scripts once

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """(ready, report): ready when the database answers at head and the Bot API answers."""
        report: dict[str, Any] = {}
        ready = True
        try:
            async with asyncio.timeout(self.timeout):
                found = await migrate.current_revision(self.db.engine)
            head = self.head
            report["database"] = "ok"
            report["schema"] = "ok" if found == head else f"at {found}, code needs {head}"
            ready = found == head
        except Exception as exc:  # any failure to reach it is "not ready", said in the report
            log.warning("readiness: database check failed: %s", exc)
            report["database"] = f"unreachable: {type(exc).__name__}"
            report["schema"] = "unknown"
            ready = False
        api_ok, note = await self.bot_api.check()
        report["bot_api"] = note
        ready = ready and api_ok
        report["roles"] = {name: "active" if on else "standby" for name, on in self.roles().items()}
        return ready, report
