"""Migrations are the only way the schema is made: they round-trip and match the models."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
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


async def _sql(url: str, *statements: str) -> list[tuple[object, ...]]:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                result = await conn.execute(text(statement))
                if result.returns_rows:
                    rows.extend(tuple(row) for row in result.all())
            return rows
    finally:
        await db.close()


def test_0012_moves_each_chats_single_time_into_its_digest_times(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    migrate.downgrade(url, "0011")
    asyncio.run(
        _sql(
            url,
            "DELETE FROM chats WHERE id IN (71, 72)",
            "INSERT INTO chats (id, kind, title, language, timezone, digest_time, frequency,"
            " weekly_day, max_items, notify_empty, active, created_at, updated_at) VALUES"
            " (71, 'private', 'a', 'en', 'Asia/Baghdad', '07:45', 'daily', 0, 10, false, true,"
            " '2026-11-01 00:00:00', '2026-11-01 00:00:00'),"
            " (72, 'group', 'b', 'ar', 'UTC', '21:00', 'weekly', 4, 5, true, true,"
            " '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
            "INSERT INTO topics (name, name_key, keywords, exclude, owner_chat_id, created_at,"
            " updated_at) VALUES ('mine', 'mine', '[\"x\"]', '[]', 71, '2026-11-01 00:00:00',"
            " '2026-11-01 00:00:00')",
        )
    )
    migrate.upgrade(url)
    after = asyncio.run(
        _sql(
            url,
            "SELECT id, digest_times, frequency, weekly_day FROM chats WHERE id IN (71, 72)"
            " ORDER BY id",
        )
    )
    assert after == [(71, "07:45", "daily", 0), (72, "21:00", "weekly", 4)]
    topics = asyncio.run(_sql(url, "SELECT count(*) FROM topics WHERE owner_chat_id = 71"))
    assert topics == [(1,)]  # the chats table was not rebuilt (no cascade)

    asyncio.run(_sql(url, "UPDATE chats SET digest_times = '06:00,18:30' WHERE id = 71"))
    migrate.downgrade(url, "0011")
    back = asyncio.run(_sql(url, "SELECT id, digest_time FROM chats WHERE id IN (71, 72)"))
    assert sorted(back) == [(71, "06:00"), (72, "21:00")]  # the first time is kept
    migrate.upgrade(url)
    asyncio.run(_sql(url, "DELETE FROM chats WHERE id IN (71, 72)"))


def test_0015_moves_queued_digests_to_lane_3_and_back(empty_database_url: str) -> None:
    url = empty_database_url
    migrate.upgrade(url)
    migrate.downgrade(url, "0014")
    rows = ", ".join(
        f"('m{lane}', 5, {lane}, 'x', true, true, 'pending', 0, '2026-11-01 00:00:00',"
        " '2026-11-01 00:00:00')"
        for lane in (0, 1, 2)
    )
    asyncio.run(
        _sql(
            url,
            "DELETE FROM outbox WHERE key IN ('m0', 'm1', 'm2')",
            "INSERT INTO outbox (key, chat_id, lane, text, html, disable_preview, status,"
            f" attempts, not_before, created_at) VALUES {rows}",
        )
    )
    migrate.upgrade(url)
    lanes = "SELECT key, lane FROM outbox WHERE key IN ('m0', 'm1', 'm2') ORDER BY key"
    assert asyncio.run(_sql(url, lanes)) == [("m0", 0), ("m1", 1), ("m2", 3)]
    migrate.downgrade(url, "0014")
    assert asyncio.run(_sql(url, lanes)) == [("m0", 0), ("m1", 1), ("m2", 2)]
    migrate.upgrade(url)
    asyncio.run(_sql(url, "DELETE FROM outbox WHERE key IN ('m0', 'm1', 'm2')"))
