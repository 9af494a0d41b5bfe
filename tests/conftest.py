"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and paths to test data."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from digests import migrate
from digests.db import Database
from digests.models import Base

ROOT = Path(__file__).resolve().parent.parent


def _find_shared() -> Path:
    """The shared test data: $NEWSBOT_SHARED, ../shared, or ../shared of the clone's origin.

    The last one lets `git clone . /tmp/fresh && cd /tmp/fresh && make test` find the data
    that sits beside the original checkout.
    """
    candidates = [ROOT.parent / "shared"]
    if os.environ.get("NEWSBOT_SHARED"):
        candidates.insert(0, Path(os.environ["NEWSBOT_SHARED"]))
    try:
        origin = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        origin = ""
    if origin and "://" not in origin and Path(origin).is_dir():
        candidates.append(Path(origin).resolve().parent / "shared")
    for candidate in candidates:
        if (candidate / "corpus").is_dir():
            return candidate
    raise RuntimeError(
        "test data not found: put shared/ beside the checkout or set NEWSBOT_SHARED; "
        f"looked in {', '.join(map(str, candidates))}"
    )


SHARED = _find_shared()
CORPUS = SHARED / "corpus"
SEED = SHARED / "seed"

# CI runs the property tests with fixed seeds, so a run is reproducible; locally they explore.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(_pg_dsn(PG_ADMIN_URL), timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _require_postgres() -> None:
    """Fail loudly in CI, skip with the reason elsewhere, when PostgreSQL is unreachable."""
    try:
        asyncio.run(_pg_admin("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc}); set TEST_DATABASE_URL"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database file migrated to head once per test session."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'newsbot.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated to head, dropped at the end of the session."""
    _require_postgres()
    name = f"newsbot_test_{os.getpid()}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    migrate.upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database; every test using it runs on both engines."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


async def _empty_all_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with db.transaction() as session:
        if db.dialect == "postgresql":
            await session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                await session.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database (SQLite and PostgreSQL), closed after the test."""
    database = Database(database_url)
    await _empty_all_tables(database)
    yield database
    await database.close()
