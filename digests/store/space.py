"""SQL about the database's own space: its size, rows per table, and giving space back.

Sizes come from the engine itself: SQLite's page counts, PostgreSQL's ``pg_database_size``.
Row counts are exact ``count(*)`` (an index scan each; ~0.1 s for a million rows).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from digests.models import Base

# The tables that grow with use, in the order reports list them.
MAIN_TABLES = (
    "outbox",
    "articles",
    "article_topics",
    "stories",
    "article_signatures",
    "digest_editions",
    "broadcasts",
    "chats",
    "subscriptions",
)


@dataclass(frozen=True, slots=True)
class DatabaseSize:
    """Bytes the database takes, and (SQLite) bytes of it free for reuse."""

    total_bytes: int
    free_bytes: int


async def database_size(session: AsyncSession) -> DatabaseSize:
    """The database's size on disk (SQLite: the main file, without the WAL)."""
    if session.get_bind().dialect.name == "sqlite":
        page = int(await session.scalar(text("PRAGMA page_size")) or 0)
        pages = int(await session.scalar(text("PRAGMA page_count")) or 0)
        free = int(await session.scalar(text("PRAGMA freelist_count")) or 0)
        return DatabaseSize(page * pages, page * free)
    total = await session.scalar(select(func.pg_database_size(func.current_database())))
    return DatabaseSize(int(total or 0), 0)


async def table_rows(
    session: AsyncSession, tables: tuple[str, ...] = MAIN_TABLES
) -> dict[str, int]:
    """Rows in each of ``tables`` (tables this schema does not have are left out)."""
    known = Base.metadata.tables
    counts: dict[str, int] = {}
    for name in tables:
        if name in known:
            found = await session.scalar(select(func.count()).select_from(known[name]))
            counts[name] = int(found or 0)
    return counts


async def incremental_vacuum(connection: AsyncConnection, *, step: int, pause: float) -> int:
    """Hand SQLite's free pages back to the file system, ``step`` pages per statement with a
    ``pause`` between, so no write lock is held for long; returns the pages handed back.

    Only a database in ``auto_vacuum=INCREMENTAL`` mode can; on any other this does nothing.
    Use a connection outside any transaction.
    """
    if connection.dialect.name != "sqlite":
        return 0
    if await connection.scalar(text("PRAGMA auto_vacuum")) != 2:
        await connection.rollback()
        return 0
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    freed = 0
    while True:
        free = int(await connection.scalar(text("PRAGMA freelist_count")) or 0)
        await connection.commit()
        if free == 0:
            return freed
        # executescript steps the pragma to its end; a plain execute frees a single page.
        await driver.executescript(f"PRAGMA incremental_vacuum({int(step)})")
        freed += min(free, step)
        await asyncio.sleep(pause)


async def vacuum(connection: AsyncConnection) -> None:
    """Rewrite the database compactly. SQLite: also switches it to incremental auto-vacuum
    (blocks every writer meanwhile). PostgreSQL: plain ``VACUUM (ANALYZE)``, which marks dead
    rows reusable without locking out readers or writers. Needs an autocommit connection."""
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("PRAGMA auto_vacuum=INCREMENTAL")
        await connection.exec_driver_sql("VACUUM")
    else:
        await connection.exec_driver_sql("VACUUM (ANALYZE)")
