"""What several benchmarks share: a scratch database, chunked inserts, one PostgreSQL statement."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from sqlalchemy import insert

from digests.db import Database


@contextmanager
def scratch_database(database_url: str | None, prefix: str) -> Iterator[tuple[str, str]]:
    """(url, engine name) of a database made for one run and removed after it.

    PostgreSQL: a new database beside the one ``database_url`` names, dropped at the end.
    Otherwise a SQLite file in a temporary folder (or ``database_url`` itself, kept).
    """
    if database_url and database_url.startswith("postgresql"):
        name = f"{prefix}_{os.getpid()}"
        asyncio.run(pg_execute(database_url, f'CREATE DATABASE "{name}"'))
        try:
            yield f"{database_url.rsplit('/', 1)[0]}/{name}", "PostgreSQL"
        finally:
            asyncio.run(pg_execute(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    folder = tempfile.mkdtemp(prefix="newsbot-bench-")
    try:
        yield database_url or f"sqlite+aiosqlite:///{folder}/bench.db", "SQLite"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def insert_chunked(
    db: Database, model: Any, rows: list[dict[str, Any]], chunk: int = 5000
) -> None:
    """Insert ``rows`` ``chunk`` at a time, a transaction each, so no statement grows unbounded."""
    for start in range(0, len(rows), chunk):
        async with db.transaction() as session:
            await session.execute(insert(model.__table__), rows[start : start + chunk])


async def pg_execute(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE DATABASE and VACUUM need that)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
