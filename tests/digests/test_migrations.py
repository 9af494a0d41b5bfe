"""Migrations are the only way the schema is made: they round-trip and match the models."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from digests import migrate
from digests.db import Database
from digests.models import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": migrate.modelled}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def _inspect(url: str) -> tuple[set[str], list[object], str | None]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(_tables)
            diff = await conn.run_sync(_diff)
        return tables, diff, await migrate.current_revision(db.engine)
    finally:
        await db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    # The session's own PostgreSQL database: the test ends with it back at head.
    return str(request.getfixturevalue("postgres_url"))


def test_upgrade_downgrade_upgrade_round_trips(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    tables, diff, revision = asyncio.run(_inspect(url))
    assert {"chats", "topics", "subscriptions", "sources", "articles", "article_topics"} <= tables
    assert diff == [], f"models and migrations disagree: {diff}"
    assert revision == migrate.head_revision()

    migrate.downgrade(url, "base")
    tables, _, revision = asyncio.run(_inspect(url))
    assert tables == set()
    assert revision is None

    migrate.upgrade(url)
    tables, diff, revision = asyncio.run(_inspect(url))
    assert diff == []
    assert revision == migrate.head_revision()
