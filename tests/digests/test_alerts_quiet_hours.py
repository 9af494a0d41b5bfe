"""Alerts honour quiet hours: one queued inside them waits until they end, in the chat's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from digests.db import Database
from digests.models import Chat
from digests.timeutil import as_utc
from tests.digests.test_alerts import NOW, alerts_for, chat_with_alert, queue, store


async def test_an_alert_in_quiet_hours_waits_until_they_end(db: Database) -> None:
    topic = await chat_with_alert(db, 1)
    async with db.transaction() as session:
        # 12:00 UTC is 15:00 in Baghdad: inside 14:00-16:00 quiet hours there.
        await session.execute(
            update(Chat)
            .where(Chat.id == 1)
            .values(timezone="Asia/Baghdad", quiet_start="14:00", quiet_end="16:00")
        )
    article, _ = await store(db, "Dam breaks", [topic])

    assert await queue(db, [article]) == 1

    [alert] = await alerts_for(db, 1)
    assert as_utc(alert.not_before) == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


async def test_an_alert_outside_quiet_hours_goes_at_once(db: Database) -> None:
    topic = await chat_with_alert(db, 2)
    async with db.transaction() as session:
        await session.execute(
            update(Chat).where(Chat.id == 2).values(quiet_start="22:00", quiet_end="07:00")
        )
    article, _ = await store(db, "Dam breaks", [topic], seen=NOW - timedelta(minutes=1))

    assert await queue(db, [article]) == 1

    [alert] = await alerts_for(db, 2)
    assert as_utc(alert.not_before) == NOW
