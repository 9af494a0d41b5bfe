"""The outbox sender against the test Bot API server, through the real PTB-based Sender.

Every test runs on SQLite and PostgreSQL; what is asserted is what a chat would see (the
server's record of sendMessage calls and their timestamps) and what the outbox says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from telegram import Bot

from bot.sender import TelegramSender
from digests.db import Database
from digests.delivery import Delivery, plain_text
from digests.models import Chat, OutboxMessage, Subscription
from digests.pacing import Pacer
from digests.settings import Settings
from digests.store import chats as chat_store
from digests.store import outbox, state
from digests.store import topics as topic_store
from digests.store.outbox import Lane, OutboxDraft, Status
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.support.botapi import BotApiServer, Call


def delivery(db: Database, bot: Bot, rate: float = 100.0, **options: Any) -> Delivery:
    options.setdefault("retry_base", 0.05)
    pacer = options.pop("pacer", None) or Pacer(rate)
    return Delivery(db, TelegramSender(bot, timeout=0.5), pacer, **options)


async def queue(db: Database, drafts: Sequence[OutboxDraft]) -> int:
    async with db.transaction() as session:
        return await outbox.enqueue(session, drafts, utcnow())


# Tests that resend use group ids (negative): a private chat's one message a second would
# space the tries a second apart and slow the tests down.


def draft(key: str, chat_id: int, text: str = "", lane: Lane = Lane.DIGEST) -> OutboxDraft:
    return OutboxDraft(key=key, chat_id=chat_id, lane=lane, text=text or f"<b>{key}</b>")


async def rows(db: Database) -> dict[str, OutboxMessage]:
    async with db.transaction() as session:
        found = await session.scalars(select(OutboxMessage))
        return {row.key: row for row in found}


def sends(server: BotApiServer, chat_id: int | None = None) -> list[Call]:
    return [c for c in server.calls_of("sendMessage", chat_id=chat_id) if c.ok]


async def register(db: Database, chat_id: int, kind: ChatKind) -> None:
    async with db.transaction() as session:
        await chat_store.upsert_chat(
            session,
            ChatRef(chat_id, kind, title=f"chat {chat_id}"),
            default_timezone="Asia/Baghdad",
            default_digest_time="07:30",
            now=utcnow(),
        )


async def test_every_queued_message_arrives_once_and_is_marked_sent(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    drafts = [draft(f"m{i}", 1000 + i, f"<b>Digest</b> #{i} &amp; more") for i in range(40)]
    assert await queue(db, drafts) == 40
    assert await queue(db, drafts) == 0  # queuing again queues nothing

    stats = await delivery(db, bot).drain_once()

    assert stats.sent == 40 and stats.possible_duplicates == 0
    for i in range(40):
        (message,) = server.messages(1000 + i)
        assert message.text == f"Digest #{i} & more"
        assert message.link_preview_disabled
    stored = await rows(db)
    assert {r.status for r in stored.values()} == {"sent"}
    assert all(r.attempts == 1 and r.sent_at is not None for r in stored.values())
    assert stored["m7"].message_id == server.messages(1007)[0].message_id


async def test_a_reply_queued_behind_a_digest_backlog_goes_out_first(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await queue(db, [draft(f"d{i}", 2000 + i) for i in range(200)])
    sender = delivery(db, bot, rate=100.0)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await server.wait_for_call("sendMessage", count=20, timeout=10)
    await queue(db, [draft("broadcast", 7001, lane=Lane.BROADCAST)])
    await queue(db, [draft("reply", 7002, lane=Lane.REPLY)])
    sender.notify()
    await server.wait_for_call("sendMessage", chat_id=7001, timeout=10)
    await server.wait_for_call("sendMessage", count=202, timeout=20)
    stop.set()
    await running

    order = [c.chat_id for c in sends(server)]
    assert order.index(7002) < order.index(7001)  # replies before broadcasts
    digests_after = len(order) - order.index(7001) - 1
    assert digests_after >= 150, f"the broadcast waited behind {200 - digests_after} digests"


async def test_flood_control_pauses_every_send_and_the_wait_is_persisted(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.fail_next("sendMessage", status=429, retry_after=1)
    await queue(db, [draft(f"f{i}", 3000 + i) for i in range(5)])

    stats = await delivery(db, bot).drain_once()

    refused = next(c for c in server.calls_of("sendMessage") if c.status == 429)
    delivered = sends(server)
    assert sorted(c.chat_id for c in delivered) == [3000 + i for i in range(5)]
    assert all(c.at >= refused.at + 0.99 for c in delivered), "a send went during the wait"
    assert stats.flood_waits == 1
    async with db.transaction() as session:
        until = await state.get_instant(session, state.FLOOD_WAIT_UNTIL)
    assert until is not None
    assert abs((until - utcnow()).total_seconds()) < 2.0


async def test_a_restarted_sender_honours_the_persisted_flood_wait(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    async with db.transaction() as session:
        deadline = utcnow() + timedelta(seconds=1.5)
        await state.set_instant(session, state.FLOOD_WAIT_UNTIL, deadline, utcnow())
    await queue(db, [draft("after-restart", 3100)])
    started = asyncio.get_running_loop().time()

    await delivery(db, bot).drain_once()

    assert len(sends(server, 3100)) == 1
    assert asyncio.get_running_loop().time() - started >= 1.4


async def test_a_blocked_chat_is_marked_inactive_and_its_messages_dropped(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await register(db, 4001, ChatKind.PRIVATE)
    server.block(4001)
    await queue(db, [draft(f"b{i}", 4001) for i in range(3)] + [draft("ok", 4002)])

    stats = await delivery(db, bot).drain_once()

    stored = await rows(db)
    assert [stored[f"b{i}"].status for i in range(3)] == ["dropped"] * 3
    assert "blocked" in (stored["b0"].outcome or "")
    assert stored["ok"].status == "sent"
    assert stats.dropped == 3
    assert len(sends(server, 4001)) == 0 and len(server.calls_of("sendMessage", chat_id=4001)) == 1
    async with db.transaction() as session:
        chat = await chat_store.get_chat(session, 4001)
        assert chat is not None and not chat.active


async def test_a_group_upgraded_to_a_supergroup_moves_and_gets_its_messages(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    old, new = -5001, -1005001
    await register(db, old, ChatKind.GROUP)
    async with db.transaction() as session:
        topic = await topic_store.add_topic(
            session, name="Syria", keywords=("syria",), exclude=(), now=utcnow()
        )
        await topic_store.subscribe(session, old, topic.id, utcnow())
    server.migrate_chat(old, new)
    await queue(db, [draft("part1", old, "Part <b>1</b>"), draft("part2", old, "Part <b>2</b>")])

    stats = await delivery(db, bot).drain_once()

    assert [m.text for m in server.messages(new)] == ["Part 1", "Part 2"]
    assert stats.migrated == 1
    stored = await rows(db)
    assert {(r.chat_id, r.status) for r in stored.values()} == {(new, "sent")}
    async with db.transaction() as session:
        assert await session.get(Chat, old) is None
        moved = await session.get(Chat, new)
        assert moved is not None and moved.timezone == "Asia/Baghdad"
        assert moved.kind == "supergroup" and moved.digest_times == "07:30"
        followers = await session.scalars(select(Subscription.chat_id))
        assert list(followers) == [new]


async def test_html_telegram_refuses_is_delivered_as_plain_text(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await queue(
        db, [draft("bad", -6001, 'AT&T <b>wins</b> <a href="https://x.example/a">deal</a>')]
    )

    stats = await delivery(db, bot).drain_once()

    (message,) = server.messages(-6001)
    assert message.text == "AT&T wins deal (https://x.example/a)"
    assert message.parse_mode is None
    assert stats.as_plain_text == 1
    assert (await rows(db))["bad"].outcome == "sent as plain text"


def test_plain_text_drops_tags_and_reads_entities() -> None:
    assert plain_text("<b>1 &lt; 2</b> &amp; <i>x</i>") == "1 < 2 & x"
    assert plain_text(
        '<a href="https://a.example/?a=1&amp;b=2">https://a.example/?a=1&amp;b=2</a>'
    ) == ("https://a.example/?a=1&b=2")


async def test_server_errors_and_timeouts_are_retried_until_delivered(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.fail_next("sendMessage", status=500, chat_id=-6101, times=2)
    server.fail_next("sendMessage", status=502, chat_id=-6102)
    original = server._handlers["sendMessage"]
    slow_once: list[bool] = []

    async def slow(params: Any) -> Any:
        if params.get("chat_id") == -6103 and not slow_once:
            slow_once.append(True)
            await asyncio.sleep(1.0)  # longer than the bot's 0.5 s read timeout
        return await original(params)

    server._handlers["sendMessage"] = slow
    await queue(db, [draft("e500", -6101), draft("e502", -6102), draft("slow", -6103)])

    stats = await delivery(db, bot).drain_once()

    stored = await rows(db)
    assert [stored[k].status for k in ("e500", "e502", "slow")] == ["sent"] * 3
    assert [stored[k].attempts for k in ("e500", "e502", "slow")] == [3, 2, 2]
    assert len(server.messages(-6101)) == len(server.messages(-6102)) == 1
    # A send that timed out may still have been delivered: Telegram has no idempotency key.
    assert 1 <= len(server.messages(-6103)) <= 2
    assert stats.retried == 4


async def test_a_send_that_keeps_failing_is_retried_until_its_deadline_then_failed(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.fail_next("sendMessage", status=500, chat_id=-6201, times=1000)
    server.fail_next("sendMessage", status=400, description="Bad Request: message is too long")
    await queue(db, [draft("flaky", -6201), draft("too-long", -6202)])

    lifetimes = {Lane.DIGEST: timedelta(seconds=1.5)}
    stats = await delivery(db, bot, lifetimes=lifetimes, outage_after=100).drain_once()

    stored = await rows(db)
    assert stored["flaky"].status == "failed" and stored["flaky"].attempts > 5
    assert (stored["too-long"].status, stored["too-long"].attempts) == ("failed", 1)
    assert "too long" in (stored["too-long"].outcome or "")
    assert stats.failed == 2 and server.messages(-6201) == []


async def test_an_unreachable_bot_api_pauses_the_sender_which_probes_then_resumes(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await queue(db, [draft(f"o{i}", -6300 - i) for i in range(40)])
    server.fail_everything(2.0)

    stats = await delivery(db, bot, retry_base=0.05).drain_once()

    assert {m.chat_id for m in sends(server)} == {-6300 - i for i in range(40)}
    assert stats.outages == 1 and stats.failed == 0
    failed_tries = [c for c in server.calls_of("sendMessage") if not c.ok]
    # Without the pause every row would spend tries every 50-100 ms for 2 s.
    assert len(failed_tries) <= 8, len(failed_tries)


async def test_a_private_chat_gets_at_most_one_message_a_second_in_order(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await queue(db, [draft(f"p{i}", 7100, f"part {i}") for i in range(2)])

    await delivery(db, bot).drain_once()

    delivered = sends(server, 7100)
    assert [m.text for m in server.messages(7100)] == ["part 0", "part 1"]
    assert all(b.at - a.at >= 0.99 for a, b in pairwise(delivered))


async def test_a_group_gets_at_most_its_limit_per_window_in_order(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    # Telegram's 20 a minute, with the window shortened to 2 s to keep the test quick; a
    # hold limit below it makes the sender put the rest back in the database meanwhile.
    pacer = Pacer(100.0, group_limit=20, group_window=2.0)
    await queue(db, [draft(f"g{i:02}", -7200, f"g{i:02}") for i in range(25)])

    await delivery(db, bot, pacer=pacer, hold_limit=0.5).drain_once()

    delivered = sends(server, -7200)
    assert [m.text for m in server.messages(-7200)] == [f"g{i:02}" for i in range(25)]
    times = [c.at for c in delivered]
    assert all(later - earlier >= 1.99 for earlier, later in zip(times, times[20:], strict=False))


async def test_rows_left_in_flight_by_a_dead_sender_are_resent_and_counted(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    await queue(db, [draft(f"x{i}", 7300 + i) for i in range(6)])
    async with db.transaction() as session:  # a sender claimed four, then died
        claimed = await outbox.claim(session, utcnow(), 4)
    assert len(claimed) == 4

    stats = await delivery(db, bot).drain_once()

    assert stats.possible_duplicates == 4
    assert all(len(server.messages(7300 + i)) == 1 for i in range(6))
    async with db.transaction() as session:
        counts = await outbox.count_by_status(session)
    assert counts[Status.SENT] == 6 and counts[Status.SENDING] == 0


async def test_replies_share_the_ceiling_with_queued_messages(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    rate = 20.0
    await queue(db, [draft(f"q{i}", 7400 + i) for i in range(40)])
    sender = delivery(db, bot, rate=rate)
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop))
    await server.wait_for_call("sendMessage", count=5, timeout=10)
    waits = []
    for i in range(10):  # ten users ask something while the backlog drains
        asked = asyncio.get_running_loop().time()
        await sender.acquire_direct(8000 + i)
        waits.append(asyncio.get_running_loop().time() - asked)
        await bot.send_message(8000 + i, "reply")
    await server.wait_for_call("sendMessage", count=50, timeout=20)
    stop.set()
    await running

    assert server.accepted_per_second_windows() <= rate
    assert max(waits) < 0.2, waits


async def test_postgres_senders_never_claim_the_same_row(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        async with db.transaction() as session:
            await session.execute(update(OutboxMessage).values(status="sent"))
        await queue(db, [draft(f"pg{i}", 9000 + i) for i in range(10)])
        async with db.transaction() as first:
            mine = await outbox.claim(first, utcnow(), 6)
            async with db.transaction() as second:
                theirs = await outbox.claim(second, utcnow(), 6)
        assert len(mine) == 6 and len(theirs) == 4
        assert not {m.id for m in mine} & {m.id for m in theirs}
    finally:
        async with db.transaction() as session:
            await session.execute(OutboxMessage.__table__.delete())
        await db.close()


async def test_paid_broadcasts_go_past_the_free_ceiling_while_digests_keep_it(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    """PAID_BROADCASTS: broadcasts carry allow_paid_broadcast and run at the paid rate; the
    digests beside them keep SEND_RATE, and Telegram (the server's two windows) refuses none."""
    free, paid = 10, 50
    server.rate_limit(free, paid_per_second=paid)
    await queue(db, [draft(f"b{i}", 9000 + i, lane=Lane.BROADCAST) for i in range(100)])
    await queue(db, [draft(f"d{i}", 9500 + i) for i in range(20)])
    settings = Settings(
        bot_token=server.token, send_rate=free, paid_broadcasts=True, paid_broadcast_rate=paid
    )
    sender = Delivery.from_settings(db, TelegramSender(bot, timeout=5), settings, owner=None)

    await sender.drain_once()

    sent = sends(server)
    refused = [(c.chat_id, c.at) for c in server.calls_of("sendMessage") if c.status == 429]
    assert len(sent) == 120 and not refused, refused
    paid_calls = [c for c in sent if c.params.get("allow_paid_broadcast")]
    assert sorted(c.chat_id for c in paid_calls) == list(range(9000, 9100))
    free_times = sorted(c.at for c in sent if not c.params.get("allow_paid_broadcast"))
    assert max(_in_any_second(free_times)) <= free
    assert max(_in_any_second(sorted(c.at for c in paid_calls))) > free


async def test_without_paid_broadcasts_a_broadcast_keeps_the_free_ceiling(
    db: Database, server: BotApiServer, bot: Bot
) -> None:
    server.rate_limit(10)
    await queue(db, [draft(f"b{i}", 9000 + i, lane=Lane.BROADCAST) for i in range(25)])
    settings = Settings(bot_token=server.token, send_rate=10)
    sender = Delivery.from_settings(db, TelegramSender(bot, timeout=5), settings, owner=None)

    await sender.drain_once()

    sent = sends(server)
    assert len(sent) == 25 and not any(c.params.get("allow_paid_broadcast") for c in sent)
    assert server.accepted_per_second_windows() <= 10


def test_a_paid_rate_below_the_free_rate_is_a_clear_setting_error() -> None:
    with pytest.raises(ValidationError, match="PAID_BROADCAST_RATE"):
        Settings(send_rate=30, paid_broadcasts=True, paid_broadcast_rate=20)


def _in_any_second(times: Sequence[float]) -> list[int]:
    """For each send, how many sends fall in the one-second window it starts."""
    counts, end = [], 0
    for start, at in enumerate(times):
        end = max(end, start)
        while end < len(times) and times[end] - at < 1.0:
            end += 1
        counts.append(end - start)
    return counts or [0]
