"""Reach the database (and, through :func:`wait_while_down`, anything else) at start.

A service started by compose may come up before PostgreSQL or the Bot API does: what is down
is waited for with backoff, logged once a minute, up to ``STARTUP_TIMEOUT``. What waiting
cannot fix (a database that does not exist, a rejected password, a SQLite folder that is not
there) is one :class:`~digests.errors.ConfigError` line at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.engine import make_url

from digests.db import Database
from digests.errors import ConfigError

log = logging.getLogger(__name__)

T = TypeVar("T")

# PostgreSQL SQLSTATEs: the server is starting, shutting down, or full; worth waiting for.
_TRANSIENT_STATES = {"57P01", "57P02", "57P03", "53300", "08006", "08001"}
_FATAL_STATES = {
    "3D000": "database {database} does not exist; create it (e.g. `createdb {database}`)",
    "28000": "PostgreSQL refused the user; check the user name in DATABASE_URL",
    "28P01": "PostgreSQL refused the password; check DATABASE_URL",
}


async def wait_while_down(
    attempt: Callable[[], Awaitable[T]],
    *,
    down: Callable[[BaseException], str | None],
    what: str,
    give_up_after: float,
    first_delay: float = 0.5,
    max_delay: float = 10.0,
    log_every: float = 60.0,
) -> T:
    """Call ``attempt`` until it succeeds; between tries sleep with doubling backoff.

    ``down(exc)`` says why a failure is worth waiting out (a short reason), or None to let the
    exception through. A warning is logged at the first failure and then once a minute; after
    ``give_up_after`` seconds of failures a ConfigError names ``what`` and the last reason.
    """
    started = time.monotonic()
    delay = first_delay
    logged_at: float | None = None
    while True:
        try:
            result = await attempt()
        except Exception as exc:
            reason = down(exc)
            if reason is None:
                raise
            now = time.monotonic()
            waited = now - started
            if waited >= give_up_after:
                after = f" after {waited:.0f} s" if give_up_after > 0 else ""
                raise ConfigError(f"{what}: still unreachable{after} ({reason})") from None
            if logged_at is None or now - logged_at >= log_every:
                log.warning(
                    "%s: not reachable yet (%s); waiting, up to %.0f s", what, reason, give_up_after
                )
                logged_at = now
            await asyncio.sleep(min(delay, max(0.0, give_up_after - waited)))
            delay = min(max_delay, delay * 2)
            continue
        if logged_at is not None:
            log.info("%s: reachable after %.0f s", what, time.monotonic() - started)
        return result


def _sqlstate(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        state = getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)
        if isinstance(state, str) and state:
            return state
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def check_sqlite_folder(url: str) -> None:
    """ConfigError when a SQLite URL names a file in a folder that does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    if parsed.database == ":memory:":
        return
    folder = Path(parsed.database).expanduser().resolve().parent
    if not folder.is_dir():
        raise ConfigError(
            f"DATABASE_URL: folder {folder} does not exist; create it or point DATABASE_URL "
            "at a file in an existing folder"
        )


async def wait_for_database(url: str, *, give_up_after: float) -> None:
    """Return once the database answers ``SELECT 1``; wait while PostgreSQL is down.

    Raises ConfigError (one line) for faults waiting cannot fix, or after ``give_up_after`` seconds.
    """
    check_sqlite_folder(url)
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    names = {"database": parsed.database or "?"}

    async def attempt() -> None:
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await db.close()

    def down(exc: BaseException) -> str | None:
        state = _sqlstate(exc)
        if state in _FATAL_STATES:
            raise ConfigError(f"DATABASE_URL: {_FATAL_STATES[state].format(**names)}") from None
        if state in _TRANSIENT_STATES:
            return f"PostgreSQL at {where} is not accepting connections ({state})"
        if isinstance(exc, TimeoutError):
            return f"PostgreSQL at {where}: timed out"
        if isinstance(exc, OSError):
            return f"PostgreSQL at {where}: {exc.strerror or exc}"
        if parsed.get_backend_name() == "sqlite":
            raise ConfigError(f"DATABASE_URL: cannot open {parsed.database}: {exc}") from None
        if state is not None:
            raise ConfigError(f"DATABASE_URL: PostgreSQL refused to connect ({state})") from None
        return None

    await wait_while_down(attempt, down=down, what="DATABASE_URL", give_up_after=give_up_after)
