"""SQL for runtime state: small named values that must survive a restart.

Plain functions that take the session first and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import RuntimeState
from digests.timeutil import as_utc

# Telegram's last 429 asked the whole bot to wait until this UTC instant.
FLOOD_WAIT_UNTIL = "telegram.flood_wait_until"
# Messages found in flight after a crash and sent again, since the database was made: each
# may have reached its chat twice. Counted in the transaction that puts them back.
POSSIBLE_DUPLICATES = "delivery.possible_duplicates"
# The moment the last digest tick was run for; every tick batch writes it first (see
# digests.editions.run_tick: the write is what makes ticks in several processes take turns).
LAST_TICK_AT = "digests.last_tick_at"
# When a process last took its turn to prune old rows (digests.retention).
PRUNE_TURN = "retention.prune_started_at"


async def get_value(session: AsyncSession, name: str) -> str | None:
    """The stored value of ``name``, or None when it was never set."""
    return await session.scalar(select(RuntimeState.value).where(RuntimeState.name == name))


async def set_value(session: AsyncSession, name: str, value: str, now: datetime) -> None:
    """Store ``value`` under ``name``, replacing any earlier value (safe between processes)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(RuntimeState).values(name=name, value=value, updated_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"], set_={"value": value, "updated_at": now}
        )
    )


async def claim_turn(session: AsyncSession, name: str, now: datetime, every: timedelta) -> bool:
    """Claim the periodic job ``name`` for this process if nobody ran it in the last ``every``.

    A compare-and-set on the row: the UPDATE only matches the value read, so when several
    processes try at once exactly one gets True (the others' UPDATE finds the new value; on
    PostgreSQL they wait for the winner's commit, then match nothing). Commit promptly.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(RuntimeState)
        .values(name=name, value="", updated_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    seen = await get_value(session, name)
    try:
        last = as_utc(datetime.fromisoformat(seen)) if seen else None
    except ValueError:
        last = None
    if last is not None and last > now - every:
        return False
    result = await session.execute(
        update(RuntimeState)
        .where(RuntimeState.name == name, RuntimeState.value == seen)
        .values(value=as_utc(now).isoformat(), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def get_instant(session: AsyncSession, name: str) -> datetime | None:
    """A stored UTC instant, or None when unset or unreadable (a bad value is not fatal)."""
    raw = await get_value(session, name)
    if raw is None:
        return None
    try:
        return as_utc(datetime.fromisoformat(raw))
    except ValueError:
        return None


async def set_instant(session: AsyncSession, name: str, at: datetime, now: datetime) -> None:
    """Store a UTC instant under ``name``."""
    await set_value(session, name, as_utc(at).isoformat(), now)


async def add_to_count(session: AsyncSession, name: str, amount: int, now: datetime) -> int:
    """Add ``amount`` to the counter ``name`` (0 when unset) and return the new total."""
    raw = await get_value(session, name)
    total = (int(raw) if raw and raw.lstrip("-").isdigit() else 0) + amount
    await set_value(session, name, str(total), now)
    return total
