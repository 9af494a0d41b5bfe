"""End to end: keyword alerts sent at ingest, the hourly cap, and two digests a day.

The real bot polls the test Bot API server, a real outbox sender delivers, and news comes from
the test feed server over HTTP. Ingest and the digest tick are given their moment (``now``)
so a day's schedule plays out in seconds: everything happens between three and one hours ago,
so the sender (on the real clock) delivers each message as soon as it is queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import update

from bot.sender import TelegramSender
from digests.delivery import Delivery
from digests.editions import TickReport, run_tick
from digests.ingest import Ingest, make_fetcher
from digests.models import Chat
from digests.pacing import Pacer
from digests.render import Renderer
from digests.sources.register import register_source
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feedserver import FeedServer

USER = 1001
ARABIC_USER = 2002
CATCH_UP = timedelta(hours=6)


@dataclass
class Sending:
    """The outbox sender running beside the bot."""

    delivery: Delivery
    stop: asyncio.Event
    task: asyncio.Task[None]


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sender(harness: Harness) -> AsyncIterator[Sending]:
    delivery = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(200, private_interval=0.05),
        batch=32,
        poll_interval=0.1,
        flush_interval=0.05,
    )
    stop = asyncio.Event()
    running = Sending(delivery, stop, asyncio.create_task(delivery.run(stop)))
    yield running
    stop.set()
    await running.task


def feed(host: str, items: list[tuple[str, str]], published: datetime) -> bytes:
    """RSS with one item per (slug, title), linking to https://HOST/SLUG."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>https://{host}/{slug}</link>"
        f"<guid>{host}-{slug}</guid><pubDate>{format_datetime(published)}</pubDate></item>"
        for slug, title in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(host)}</title><link>https://{host}/</link>{entries}</channel></rss>"
    ).encode()


async def ingest(
    harness: Harness, feeds: FeedServer, path: str, body: bytes, now: datetime, sending: Sending
) -> None:
    """Serve ``body`` at ``path``, add it as a source, fetch it as if it were ``now``."""
    feeds.add(path, body)
    async with make_fetcher(harness.settings) as fetcher:
        info, _ = await register_source(
            harness.db,
            fetcher,
            url=feeds.url(path),
            name=None,
            every=900,
            allow_private=True,
            now=utcnow(),
        )
        summary = await Ingest(
            harness.db, harness.settings, fetcher, notify=sending.delivery.notify
        ).fetch_all(now=now, source_ids=[info.id])
    assert summary.failed == 0


async def tick(harness: Harness, now: datetime, sending: Sending) -> TickReport:
    return await run_tick(
        harness.db, Renderer(), now=now, catch_up=CATCH_UP, notify=sending.delivery.notify
    )


async def received(harness: Harness, chat_id: int, since: int, count: int) -> list[str]:
    """The texts of the next ``count`` messages the bot sends ``chat_id`` after ``since``."""
    calls = await harness.server.wait_for_call(
        "sendMessage", chat_id=chat_id, since=since, count=count, timeout=20
    )
    return [harness.server.message(chat_id, c.result["message_id"]).text or "" for c in calls]


def sent_since(harness: Harness, chat_id: int, since: int) -> list[str]:
    """Every message sent to ``chat_id`` after ``since`` (after a pause to let stragglers in)."""
    return [
        harness.server.message(chat_id, call.result["message_id"]).text or ""
        for call in harness.server.calls[since:]
        if call.method == "sendMessage" and call.params.get("chat_id") == chat_id and call.ok
    ]


async def follow_as_alert(harness: Harness, words: str, chat_id: int, lang: str) -> StoredMessage:
    """/follow WORDS, Save, then the "Alert" button under the saved message."""
    mark = harness.server.mark()
    harness.server.inject_message(chat_id, f"/follow {words}", language_code=lang)
    (call,) = await harness.server.wait_for_call("sendMessage", chat_id=chat_id, since=mark)
    preview = harness.server.message(chat_id, call.result["message_id"])
    save = preview.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    await harness.press(preview, save)
    saved = harness.current(preview)
    ((alert,),) = saved.reply_markup["inline_keyboard"]  # type: ignore[index]
    answer = await harness.press(saved, alert["callback_data"])
    assert alert["callback_data"].endswith(":1")
    return harness.current(saved) if answer.ok else saved


async def settle_chat(harness: Harness, chat_id: int, since: datetime, next_at: datetime) -> None:
    """Make the chat one that has had its digests for days: its last one a day before ``since``
    (and, unless /settings set them, its digest time at ``next_at``)."""
    values = {
        "created_at": since - timedelta(days=3),
        "last_digest_at": since - timedelta(days=1),
        "next_digest_at": next_at,
    }
    async with harness.db.transaction() as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        if "," not in chat.digest_times:
            values["digest_times"] = f"{next_at:%H:%M}"
        await session.execute(update(Chat).where(Chat.id == chat_id).values(**values))


def titles(text: str) -> set[str]:
    return {line[2:] for line in text.splitlines() if line.startswith("• ")}


async def test_alerts_at_ingest_capped_then_two_digests_without_repeats(
    harness: Harness, feeds: FeedServer, sender: Sending
) -> None:
    start = (utcnow() - timedelta(hours=3)).replace(second=0, microsecond=0)
    morning, evening = start + timedelta(hours=1), start + timedelta(hours=2)

    # Two digest times, typed in /settings (the chat's zone is UTC).
    panel = await harness.send("/settings")
    await harness.press(panel, button_data(panel, "⏰ Time"))
    mark = harness.server.mark()
    await harness.press(
        harness.current(panel), button_data(panel, "Type a time"), expect_edit=False
    )
    await harness.server.wait_for_call("sendMessage", chat_id=USER, since=mark)
    confirmed = await harness.send(f"{evening:%H:%M}, {morning:%H:%M}")
    times = sorted([f"{morning:%H:%M}", f"{evening:%H:%M}"])
    assert f"Digest times: {times[0]}, {times[1]}" in (confirmed.text or "").splitlines()
    await settle_chat(harness, USER, start, morning)

    listing = await follow_as_alert(harness, "dam", USER, "en")
    assert "1. dam 🔔" in (listing.text or "").splitlines()
    assert button_labels(listing) == ["✖ 1. dam", "🔔 Alert: on"]
    preview = await harness.send("/follow storm")
    await harness.press(preview, button_data(preview, "Save"))

    # Five dam stories at once: three alerts (the hourly cap), two wait for the digest.
    mark = harness.server.mark()
    # Five different happenings (similar titles would be one event, shown once).
    dams = [
        "Tigris dam cracks after heavy rain",
        "Farmers in Basra sue the dam authority",
        "Old Roman dam opens as a museum",
        "Engineers test a new dam turbine in Norway",
        "Beavers build a dam across a Berlin canal",
    ]
    news = [(f"d{n}", title) for n, title in enumerate(dams, start=1)]
    body = feed("wire.example", [*news, ("s1", "Storm warning for the coast")], start)
    await ingest(harness, feeds, "/wire.xml", body, start + timedelta(minutes=10), sender)
    alerts = await received(harness, USER, mark, 3)
    assert all(text.startswith("🔔 Alert: dam\n") for text in alerts)
    assert [titles(text) for text in alerts] == [{dams[0]}, {dams[1]}, {dams[2]}]
    assert "matched: dam" in alerts[0].splitlines()

    mark = harness.server.mark()
    assert (await tick(harness, morning, sender)).queued == 1
    (first,) = await received(harness, USER, mark, 1)
    assert first.startswith("📰 Your news digest")
    assert titles(first) == {dams[3], dams[4], "Storm warning for the coast"}

    # An hour after the first alerts: one more dam story is an alert; a second outlet's copy of
    # an alerted story is not sent again, and neither is in the evening digest.
    mark = harness.server.mark()
    later = [
        ("d6", "Dam in Laos collapses after a monsoon"),
        ("again", dams[0]),
        ("s2", "Storm passes inland"),
    ]
    body = feed("other.example", later, start + timedelta(hours=1))
    await ingest(harness, feeds, "/other.xml", body, morning + timedelta(minutes=10), sender)
    (alert,) = await received(harness, USER, mark, 1)
    assert titles(alert) == {"Dam in Laos collapses after a monsoon"}

    assert (await tick(harness, evening, sender)).queued == 1
    second = (await received(harness, USER, mark, 2))[1]
    assert titles(second) == {"Storm passes inland"}
    await asyncio.sleep(0.5)
    everything = sent_since(harness, USER, mark)
    assert len(everything) == 2  # the alert and the evening digest, nothing else
    assert (await tick(harness, evening + timedelta(minutes=5), sender)).due == 0


async def test_an_arabic_chat_gets_its_alert_in_arabic(
    harness: Harness, feeds: FeedServer, sender: Sending
) -> None:
    start = (utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    listing = await follow_as_alert(harness, "سد", ARABIC_USER, "ar")
    assert "1. سد 🔔" in (listing.text or "").splitlines()
    assert "🔔 التنبيه: مفعّل" in button_labels(listing)
    await settle_chat(harness, ARABIC_USER, start, start + timedelta(days=1))

    mark = harness.server.mark()
    body = feed("arabic.example", [("a1", "ارتفاع المياه خلف السد & تحذير")], start)
    await ingest(harness, feeds, "/ar.xml", body, start + timedelta(minutes=5), sender)
    (alert,) = await received(harness, ARABIC_USER, mark, 1)
    assert alert.startswith("🔔 تنبيه: سد\n")
    assert titles(alert) == {"ارتفاع المياه خلف السد & تحذير"}
    assert "Alert" not in alert


async def test_switching_an_alert_off_sends_its_stories_in_the_digest_only(
    harness: Harness, feeds: FeedServer, sender: Sending
) -> None:
    start = (utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    listing = await follow_as_alert(harness, "dam", USER, "en")
    mark = harness.server.mark()
    await harness.press(listing, button_data(listing, "🔔 Alert: on"))
    toast = harness.server.calls[mark:]
    assert any(
        c.method == "answerCallbackQuery"
        and c.params.get("text") == "Alerts off for dam: its stories come in the digest."
        for c in toast
    )
    assert button_labels(harness.current(listing)) == ["✖ 1. dam", "🔕 Alert: off"]
    await settle_chat(harness, USER, start, start + timedelta(hours=1))

    mark = harness.server.mark()
    body = feed("wire.example", [("d1", "Dam report: all calm")], start)
    await ingest(harness, feeds, "/calm.xml", body, start + timedelta(minutes=5), sender)
    assert (await tick(harness, start + timedelta(hours=1), sender)).queued == 1
    (digest,) = await received(harness, USER, mark, 1)
    assert digest.startswith("📰 Your news digest")
    assert titles(digest) == {"Dam report: all calm"}


async def test_digests_missed_while_down_come_as_one_with_everything_since_the_last(
    harness: Harness, feeds: FeedServer, sender: Sending
) -> None:
    now = utcnow().replace(second=0, microsecond=0)
    slots = [now - timedelta(hours=h) for h in (5, 3, 1)]
    await harness.send("/start")
    await settle_chat(harness, USER, slots[0] + timedelta(days=1), slots[0])
    async with harness.db.transaction() as session:
        await session.execute(
            update(Chat)
            .where(Chat.id == USER)
            .values(
                digest_times=",".join(sorted(f"{s:%H:%M}" for s in slots)),
                last_digest_at=slots[0],
                next_digest_at=slots[1],
            )
        )
    preview = await harness.send("/follow dam")
    await harness.press(preview, button_data(preview, "Save"))
    body = feed("wire.example", [("d1", "Dam opens its gates")], slots[0])
    await ingest(harness, feeds, "/one.xml", body, slots[0] + timedelta(hours=1), sender)
    body = feed("late.example", [("d2", "Dam levels fall again")], slots[1])
    await ingest(harness, feeds, "/two.xml", body, slots[1] + timedelta(hours=1), sender)

    # The bot was down for the 2nd and 3rd times: one digest, at the latest, with both.
    mark = harness.server.mark()
    report = await tick(harness, now, sender)
    assert (report.due, report.queued) == (1, 1)
    (digest,) = await received(harness, USER, mark, 1)
    assert titles(digest) == {"Dam opens its gates", "Dam levels fall again"}
    assert (await tick(harness, now + timedelta(minutes=1), sender)).due == 0


async def test_two_times_across_berlins_spring_change_through_the_bot(
    harness: Harness, feeds: FeedServer
) -> None:
    # 29 March 2026 02:00 CET -> 03:00 CEST, so 02:30 does not exist that night: it goes at
    # 03:00 CEST (01:00 UTC). The sender runs on the test's clock, that Sunday.
    clock = [datetime(2026, 3, 28, 20, 0, tzinfo=UTC)]
    delivery = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(200, private_interval=0.05),
        wall=lambda: clock[0],
        batch=32,
        poll_interval=0.1,
        flush_interval=0.05,
    )
    stop = asyncio.Event()
    sending = Sending(delivery, stop, asyncio.create_task(delivery.run(stop)))
    try:
        await harness.send("/start")
        async with harness.db.transaction() as session:
            await session.execute(
                update(Chat)
                .where(Chat.id == USER)
                .values(
                    timezone="Europe/Berlin",
                    digest_times="02:30,08:00",
                    created_at=clock[0] - timedelta(days=3),
                    last_digest_at=datetime(2026, 3, 28, 7, 0, tzinfo=UTC),  # Saturday 08:00
                    next_digest_at=None,
                )
            )
        preview = await harness.send("/follow dam")
        await harness.press(preview, button_data(preview, "Save"))
        body = feed("wire.example", [("n1", "Dam night shift ends")], clock[0])
        await ingest(harness, feeds, "/n.xml", body, clock[0] + timedelta(hours=1), sending)
        gap_end = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
        eight = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)

        for moment, title in ((gap_end, "Dam night shift ends"), (eight, "Dam morning report")):
            if title == "Dam morning report":
                body = feed("day.example", [("m1", title)], gap_end)
                await ingest(harness, feeds, "/m.xml", body, gap_end + timedelta(hours=2), sending)
            assert (await tick(harness, moment - timedelta(minutes=1), sending)).due == 0
            clock[0] = moment
            mark = harness.server.mark()
            assert (await tick(harness, moment, sending)).queued == 1
            (digest,) = await received(harness, USER, mark, 1)
            assert titles(digest) == {title}
            assert "Sunday, 29 March 2026" in digest
        async with harness.db.transaction() as session:
            chat = await session.get(Chat, USER)
            assert chat is not None
            assert chat.next_digest_at == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # 02:30 CEST
    finally:
        stop.set()
        await sending.task
