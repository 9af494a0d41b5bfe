"""One query shape many use cases share: which ids hang on each of many ids, read in chunks.

``IN (...)`` lists are cut at ``IN_CHUNK`` ids, well under SQLite's and asyncpg's parameter
limits, so a digest tick can ask about 100,000 chats at once.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

IN_CHUNK = 500


async def ids_by_key(
    session: AsyncSession,
    key: InstrumentedAttribute[int],
    value: InstrumentedAttribute[int],
    keys: Collection[int],
) -> dict[int, set[int]]:
    """For each of ``keys`` that has any row: the ``value`` ids of its rows (``key``'s table)."""
    ids = list(keys)
    found: dict[int, set[int]] = {}
    for start in range(0, len(ids), IN_CHUNK):
        rows = await session.execute(
            select(key, value).where(key.in_(ids[start : start + IN_CHUNK]))
        )
        for owner, item in rows.all():
            found.setdefault(owner, set()).add(item)
    return found
