"""Several newsbot processes on one database: one sender at a time, and SQLite refuses a second.

``newsbot deliver`` beside a live sender used to put back every row that sender had in flight
(each then arrived twice). Now the live sender holds the sender lease: the newcomer says so
and leaves its rows alone, and a sender that takes over puts back only a dead owner's rows.
"""

from __future__ import annotations

import pytest

from digests.db import Database
from digests.delivery import Delivery
from digests.leases import SENDER, Lease, Owner
from digests.pacing import Pacer
from digests.ports import OutgoingMessage, SendOutcome, SendStatus
from digests.store import outbox
from digests.store.outbox import Lane, OutboxDraft, Status
from digests.timeutil import utcnow
from tests.support.botapi import BotApiServer
from tests.support.processes import newsbot_env, run_newsbot

ELSEWHERE = Owner("another-host", 1, "live")


async def _queue_and_claim(db: Database, count: int, claimant: Owner) -> None:
    async with db.transaction() as session:
        drafts = [
            OutboxDraft(f"m-{claimant.host}-{i}", 7000 + i, Lane.DIGEST, "news")
            for i in range(count)
        ]
        await outbox.enqueue(session, drafts, utcnow())
        await outbox.claim(session, utcnow(), count, owner=str(claimant))


async def test_deliver_beside_a_live_sender_says_so_and_puts_nothing_back(db: Database) -> None:
    live = Lease(db, SENDER, ELSEWHERE, ttl=60)
    assert await live.try_take()
    await _queue_and_claim(db, 20, ELSEWHERE)
    async with BotApiServer() as server:
        env = newsbot_env(server.token, server.base_url, db.url)
        code, out, err = await run_newsbot(env, "deliver")
        assert code == 0, err
        assert out.strip() == f"a sender is running ({ELSEWHERE}); it sends the queued messages"
        assert server.calls_of("sendMessage") == []
    async with db.transaction() as session:
        statuses = await outbox.count_by_status(session)
    assert statuses[Status.SENDING] == 20, "the live sender's rows were put back"


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        self.sent.append(message.chat_id)
        return SendOutcome(SendStatus.SENT, message_id=1)


async def test_a_sender_taking_over_puts_back_only_a_dead_owners_rows(db: Database) -> None:
    dead, me = Owner("gone-host", 2, "old"), Owner("this-host", 3, "new")
    await _queue_and_claim(db, 5, dead)
    await _queue_and_claim(db, 3, me)  # e.g. claimed a moment ago by this very sender
    delivery = Delivery(db, _Recorder(), Pacer(1000), owner=str(me))
    assert await delivery.recover() == 5
    async with db.transaction() as session:
        statuses = await outbox.count_by_status(session)
    assert (statuses[Status.PENDING], statuses[Status.SENDING]) == (5, 3)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_second_bot_on_sqlite_gets_one_line_and_exit_status_2(db: Database) -> None:
    assert await Lease(db, SENDER, ELSEWHERE, ttl=60).try_take()
    env = newsbot_env("1:TEST", "http://127.0.0.1:9", db.url)
    code, _out, err = await run_newsbot(env, "run")
    assert code == 2
    assert err.strip() == (
        "newsbot: several processes need PostgreSQL: newsbot already runs on this SQLite "
        f"database ({ELSEWHERE}); stop it, or set DATABASE_URL to a PostgreSQL database"
    )
