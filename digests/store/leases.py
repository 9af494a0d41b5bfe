"""SQL for leases: take, renew and give up a named role, judged by the database's clock.

Plain functions that take the session first and never commit. Expiry is compared with the
database server's clock on PostgreSQL (``now()``), so hosts whose clocks disagree by a few
seconds still agree on who holds a role; SQLite serves one host, whose clock is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from digests.models import Lease
from digests.timeutil import as_utc, utcnow


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lease, since when and until when (database clock)."""

    name: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


async def database_now(session: AsyncSession) -> datetime:
    """The database's idea of now (PostgreSQL's transaction time; the local clock on SQLite)."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        found = await session.scalar(select(func.now()))
        assert found is not None
        return as_utc(found)
    return utcnow()


async def holder(session: AsyncSession, name: str, *, lock: bool = False) -> Holder | None:
    """The lease row of ``name``, or None when nobody ever took it; ``lock`` locks it (PG)."""
    query = select(Lease.name, Lease.owner, Lease.acquired_at, Lease.expires_at).where(
        Lease.name == name
    )
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else Holder(*row)


async def take(
    session: AsyncSession, name: str, owner: str, *, ttl: float, replacing: Holder | None
) -> datetime | None:
    """Make ``owner`` the holder for ``ttl`` seconds; returns the expiry, or None if beaten.

    ``replacing`` is the row the caller saw (None: no row yet). The row changes only if it is
    still that one, so two standbys taking over at once cannot both win.
    """
    now = await database_now(session)
    expires = now + timedelta(seconds=ttl)
    if replacing is None:
        connection = await session.connection()
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        result = await session.execute(
            insert(Lease)
            .values(name=name, owner=owner, acquired_at=now, expires_at=expires)
            .on_conflict_do_nothing(index_elements=["name"])
        )
    else:
        result = await session.execute(
            update(Lease)
            .where(
                Lease.name == name,
                Lease.owner == replacing.owner,
                Lease.expires_at == replacing.expires_at,
            )
            .values(owner=owner, acquired_at=now, expires_at=expires)
            .execution_options(synchronize_session=False)
        )
    return expires if _changed(result) == 1 else None


async def renew(session: AsyncSession, name: str, owner: str, *, ttl: float) -> datetime | None:
    """Push the expiry of ``owner``'s lease ``ttl`` seconds past now; None if it is not held."""
    now = await database_now(session)
    expires = now + timedelta(seconds=ttl)
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.owner == owner, Lease.expires_at > now)
        .values(expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    return expires if _changed(result) == 1 else None


async def release(session: AsyncSession, name: str, owner: str) -> bool:
    """Give the lease up at once (a clean stop), so a standby need not wait for the expiry."""
    now = await database_now(session)
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, Lease.owner == owner)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


def _changed(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
