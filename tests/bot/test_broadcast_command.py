"""End to end: an admin broadcasts through the guided /broadcast flow; everyone else is refused.

The real bot polls the test Bot API server, and a real outbox sender (Delivery with the
PTB-based TelegramSender) runs beside it, so the messages really reach the chats. What is
asserted is what people see: the server's record of each chat's messages and their edits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from bot.handlers import broadcast as flow
from bot.sender import TelegramSender
from bot.services import Services
from digests import broadcast as cases
from digests import topics
from digests.broadcast import Audience
from digests.delivery import Delivery
from digests.models import Broadcast, OutboxMessage
from digests.pacing import Pacer
from digests.render import Renderer
from digests.store import chats as chat_store
from digests.store import topics as topic_store
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.bot.conftest import ADMIN_ID, Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feedserver import FeedServer

STRANGER = 777
FOLLOWERS = [20_001, 20_002, 20_003]
OTHERS = [20_101, 20_102]
MESSAGE = '<b>Breaking:</b> dam breaks upstream — <a href="https://news.example/dam">details</a>'


def _services(harness: Harness) -> Services:
    found = [v for v in harness.application.bot_data.values() if isinstance(v, Services)]
    return found[0]


@dataclass
class Sending:
    """The outbox sender running beside the bot."""

    delivery: Delivery
    stop: asyncio.Event
    task: asyncio.Task[None]


async def _start_sender(harness: Harness, rate: float, batch: int = 32) -> Sending:
    delivery = Delivery(
        harness.db,
        TelegramSender(harness.application.bot),
        Pacer(rate, private_interval=0.05),
        batch=batch,
        poll_interval=0.1,
        flush_interval=0.05,
    )
    _services(harness).delivery = delivery
    stop = asyncio.Event()
    return Sending(delivery, stop, asyncio.create_task(delivery.run(stop)))


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow, "PROGRESS_INTERVAL", 0.3)


@pytest.fixture
async def sender(harness: Harness) -> AsyncIterator[Sending]:
    running = await _start_sender(harness, rate=200)
    yield running
    running.stop.set()
    await running.task


async def _add_chats(harness: Harness, ids: list[int], topic_id: int | None = None) -> None:
    now = utcnow()
    async with harness.db.transaction() as session:
        for chat_id in ids:
            await chat_store.upsert_chat(
                session,
                ChatRef(chat_id, ChatKind.PRIVATE, title=f"reader {chat_id}"),
                default_timezone="UTC",
                default_digest_time="08:00",
                now=now,
            )
            if topic_id is not None:
                await topic_store.subscribe(session, chat_id, topic_id, now)


async def _topic(harness: Harness, name: str) -> int:
    info, _matched = await topics.add_topic(harness.db, name, name.lower(), now=utcnow())
    return info.id


async def _audience(harness: Harness, followers: list[int], others: list[int]) -> int:
    topic_id = await _topic(harness, "Floods")
    await _topic(harness, "Sport")
    await _add_chats(harness, followers, topic_id)
    await _add_chats(harness, others)
    return topic_id


def _received(harness: Harness, chat_id: int) -> list[StoredMessage]:
    return [m for m in harness.server.messages(chat_id) if m.from_bot]


async def _replies(harness: Harness, mark: int, count: int) -> list[StoredMessage]:
    """The next ``count`` messages the bot sends the admin after ``mark`` (within 20 s)."""
    calls = await harness.server.wait_for_call(
        "sendMessage", chat_id=ADMIN_ID, count=count, since=mark, timeout=20
    )
    return [harness.server.message(ADMIN_ID, c.result["message_id"]) for c in calls]


async def _press(
    harness: Harness, message: StoredMessage, label: str, replies: int
) -> list[StoredMessage]:
    """Press the button labelled ``label``; return the ``replies`` new messages it causes."""
    mark = harness.server.mark()
    await harness.press(message, button_data(message, label), user_id=ADMIN_ID)
    return await _replies(harness, mark, replies) if replies else []


async def _rows(harness: Harness) -> int:
    async with harness.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def _broadcasts(harness: Harness) -> list[Broadcast]:
    async with harness.db.transaction() as session:
        return list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (up to 15 s) until ``condition`` holds."""
    deadline = asyncio.get_running_loop().time() + 15
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _to_preview(
    harness: Harness, text: str, audience: str
) -> tuple[StoredMessage, StoredMessage, StoredMessage]:
    """/broadcast, the text, an audience; returns (audience message, preview, confirmation)."""
    prompt = await harness.send("/broadcast", chat_id=ADMIN_ID)
    assert "Send the message" in (prompt.text or "")
    asked = await harness.send(text, chat_id=ADMIN_ID)
    assert "Who should get it?" in (asked.text or ""), asked.text
    if audience == "Floods":
        mark = harness.server.mark()
        await harness.press(asked, button_data(asked, "Followers of a topic"), user_id=ADMIN_ID)
        await harness.server.wait_for_call("editMessageText", chat_id=ADMIN_ID, since=mark)
        listing = harness.current(asked)
        assert button_labels(listing) == ["Floods (3)", "Sport (0)", "‹ Back"]
        preview, confirm = await _press(harness, listing, "Floods", 2)
    else:
        preview, confirm = await _press(harness, asked, audience, 2)
    return harness.current(asked), preview, confirm


async def test_admin_broadcasts_to_a_topics_followers_with_preview_progress_and_report(
    harness: Harness, sender: Sending
) -> None:
    await _audience(harness, FOLLOWERS, OTHERS)

    chosen, preview, confirm = await _to_preview(harness, MESSAGE, "Floods")

    assert chosen.text == "Audience: the followers of “Floods”."
    assert chosen.reply_markup is None
    assert preview.html == MESSAGE  # the preview is the very message recipients get
    assert preview.link_preview_disabled
    assert "Recipients: the followers of “Floods”, 3 chats." in (confirm.text or "")
    assert button_labels(confirm) == [
        "Send to 3 chats",
        "Cancel",
        "🌙 Waits for quiet hours · make urgent",
    ]
    assert await _rows(harness) == 0  # nothing queued before "Send"

    mark = harness.server.mark()
    await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
    (report,) = await _replies(harness, mark, 1)

    for chat_id in FOLLOWERS:
        (got,) = _received(harness, chat_id)
        assert got.html == preview.html and got.entities == preview.entities
        assert got.link_preview_disabled
    for chat_id in OTHERS:
        assert _received(harness, chat_id) == []
    assert report.text is not None
    assert "Broadcast #1 finished." in report.text
    assert "Sent: 3 · Failed: 0 · Blocked: 0" in report.text
    progress = harness.current(confirm)
    assert "Broadcast #1 to 3 chats" in (progress.text or "")
    assert "Remaining: 0 · Time left: done" in (progress.text or "")
    assert progress.reply_markup is None  # no Stop button once finished
    (stored,) = await _broadcasts(harness)
    assert (stored.admin_id, stored.audience, stored.text) == (ADMIN_ID, "topic", MESSAGE)
    assert (stored.recipients, stored.status, stored.sent, stored.failed) == (3, "done", 3, 0)
    assert stored.finished_at is not None


async def test_progress_is_edited_in_place_while_sending_and_counts_blocked_chats(
    harness: Harness,
) -> None:
    readers = list(range(30_000, 30_040))
    await _add_chats(harness, readers)
    harness.server.block(readers[0])
    sending = await _start_sender(harness, rate=15, batch=8)
    try:
        _chosen, _preview, confirm = await _to_preview(harness, "<i>Test</i> run", "All active")
        mark = harness.server.mark()
        await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
        (report,) = await _replies(harness, mark, 1)
    finally:
        sending.stop.set()
        await sending.task

    edits = [
        c.params["text"]
        for c in harness.server.calls_of("editMessageText", chat_id=ADMIN_ID)[1:]
        if c.ok and c.params.get("message_id") == confirm.message_id
    ]
    assert len(edits) >= 3, edits  # it was updated while sending, not only at the end
    assert any("Time left: " in e and "Time left: done" not in e for e in edits)
    assert len(set(edits)) == len(edits)  # only edited when the text changed
    assert "Sent: 39 · Failed: 0 · Blocked: 1" in (report.text or "")
    assert sum(len(_received(harness, r)) for r in readers) == 39


async def test_malformed_html_is_reported_in_one_line_and_nothing_is_sent(
    harness: Harness, sender: Sending
) -> None:
    await _add_chats(harness, OTHERS)
    await harness.send("/broadcast", chat_id=ADMIN_ID)

    error = await harness.send("<b>Breaking: <i>dam</b></i>", chat_id=ADMIN_ID)

    assert error.text == "⚠️ </b> found where </i> was expected. Send it again, or /cancel."
    again = await harness.send("<b>Breaking:</b> dam", chat_id=ADMIN_ID)
    assert "Who should get it?" in (again.text or "")  # the flow goes on with a fixed text
    assert await _rows(harness) == 0 and await _broadcasts(harness) == []


def _article() -> bytes:
    return b"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
    <title>Dam breaks upstream of Riverton | Example News</title>
    <meta property="og:type" content="article"></head><body>
    <article><h1>Dam breaks upstream of Riverton</h1>
    <p>The old dam above Riverton gave way early on Tuesday, sending a wall of water down
    the valley, and about 2,000 people were moved to higher ground, officials said.</p>
    <p>Rescue teams in boats reached the lower streets by noon; no one was reported missing
    on Tuesday evening, according to the regional emergency service.</p>
    </article></body></html>"""


async def test_a_lone_ampersand_and_less_than_are_sent_as_the_characters_they_are(
    harness: Harness, sender: Sending
) -> None:
    await _audience(harness, FOLLOWERS, OTHERS)
    _chosen, preview, _confirm = await _to_preview(
        harness, "Tom & Jerry: 1 < 2 <b>ok</b>", "Only me"
    )
    assert preview.text == "Tom & Jerry: 1 < 2 ok"
    assert preview.html == "Tom &amp; Jerry: 1 &lt; 2 <b>ok</b>"


async def test_a_link_becomes_a_card_with_title_site_lead_and_link(
    harness: Harness, sender: Sending
) -> None:
    pages = FeedServer()
    await pages.start()
    try:
        pages.add("/news/2026/02/17/dam-breaks-upstream", _article(), content_type="text/html")
        url = pages.url("/news/2026/02/17/dam-breaks-upstream")
        _chosen, preview, confirm = await _to_preview(harness, url, "Only me")
    finally:
        await pages.stop()

    assert preview.text == (
        "Dam breaks upstream of Riverton\n\n"
        "The old dam above Riverton gave way early on Tuesday, sending a wall of water down "
        "the valley, and about 2,000 people were moved to higher ground, officials said.\n\n"
        "127.0.0.1"
    )
    assert {"type": "bold", "offset": 0, "length": 31} in preview.entities
    assert any(e["type"] == "text_link" and e["url"] == url for e in preview.entities)
    assert "only you (a test), 1 chat" in (confirm.text or "")

    mark = harness.server.mark()
    await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
    card, report = await _replies(harness, mark, 2)
    assert card.html == preview.html  # the test broadcast is the card, to the admin alone
    assert "Sent: 1" in (report.text or "")
    (stored,) = await _broadcasts(harness)
    assert (stored.audience, stored.source_url, stored.recipients) == ("me", url, 1)


async def test_a_link_to_a_page_that_cannot_be_fetched_is_reported(
    harness: Harness, sender: Sending
) -> None:
    await harness.send("/broadcast", chat_id=ADMIN_ID)
    error = await harness.send("http://127.0.0.1:9/nothing-here", chat_id=ADMIN_ID)
    assert (error.text or "").startswith("⚠️ Could not fetch http://127.0.0.1:9/nothing-here")
    assert await _broadcasts(harness) == []


async def test_stop_halts_the_rest_and_what_was_sent_stays_sent(harness: Harness) -> None:
    readers = list(range(40_000, 40_300))
    await _add_chats(harness, readers)
    sending = await _start_sender(harness, rate=30, batch=4)
    try:
        _chosen, _preview, confirm = await _to_preview(harness, "<b>Alert</b>", "All active")
        mark = harness.server.mark()
        await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
        await _until(lambda: _sent_at_least(harness, readers, 10))
        stop = await harness.press(
            harness.current(confirm), f"bcs:{1}", user_id=ADMIN_ID, expect_edit=False
        )
        (report,) = await _replies(harness, mark, 1)
    finally:
        sending.stop.set()
        await sending.task

    assert "will not be sent" in stop.params.get("text", "")
    reached = sum(len(_received(harness, r)) for r in readers)
    assert 10 <= reached < 100
    await asyncio.sleep(0.5)
    assert sum(len(_received(harness, r)) for r in readers) == reached  # nothing more goes
    assert "Broadcast #1 stopped." in (report.text or "")
    assert f"Sent: {reached} · Failed: 0 · Blocked: 0" in (report.text or "")
    assert f"Not sent (stopped): {300 - reached}" in (report.text or "")
    (stored,) = await _broadcasts(harness)
    assert (stored.status, stored.sent, stored.recipients) == ("stopped", reached, 300)


async def _sent_at_least(harness: Harness, readers: list[int], count: int) -> bool:
    return sum(len(_received(harness, r)) for r in readers) >= count


@pytest.mark.parametrize("step", ["text", "audience", "topic", "confirm"])
async def test_cancel_leaves_the_flow_at_every_step(
    harness: Harness, sender: Sending, step: str
) -> None:
    await _audience(harness, FOLLOWERS, OTHERS)
    buttons: StoredMessage | None = None  # the message whose buttons the step shows
    await harness.send("/broadcast", chat_id=ADMIN_ID)
    if step != "text":
        buttons = await harness.send(MESSAGE, chat_id=ADMIN_ID)
    if step == "topic":
        assert buttons is not None
        await harness.press(buttons, "bca:topic", user_id=ADMIN_ID)
        buttons = harness.current(buttons)
    if step == "confirm":
        assert buttons is not None
        _preview, buttons = await _press(harness, buttons, "All active", 2)

    cancelled = await harness.send("/cancel", chat_id=ADMIN_ID)

    assert cancelled.text == "Broadcast cancelled; nothing was sent."
    hint = await harness.send(MESSAGE, chat_id=ADMIN_ID)  # text is no longer taken as a message
    assert "I didn't get that" in (hint.text or "")
    if buttons is not None:  # the step's buttons do nothing now
        data = _first_button(buttons, ("Send", "Floods", "All active"))
        answer = await harness.press(buttons, data, user_id=ADMIN_ID, expect_edit=False)
        assert answer.params.get("text") == "This button has expired."
    assert await _rows(harness) == 0 and await _broadcasts(harness) == []


def _first_button(message: StoredMessage, labels: tuple[str, ...]) -> str:
    """The callback data of the first of ``labels`` the message has a button for."""
    for label in labels:
        if any(label in text for text in button_labels(message)):
            return button_data(message, label)
    raise AssertionError(f"none of {labels} in {button_labels(message)}")


async def test_a_non_admin_is_refused_broadcast(harness: Harness, sender: Sending) -> None:
    await _add_chats(harness, OTHERS)
    refused = await harness.send("/broadcast", chat_id=STRANGER)
    assert refused.text == "Not allowed."
    hint = await harness.send(MESSAGE, chat_id=STRANGER)  # no flow was started
    assert "I didn't get that" in (hint.text or "")
    group = await harness.send("/broadcast", chat_id=-5001, chat_type="group", user_id=STRANGER)
    assert group.text == "Not allowed."
    assert await _rows(harness) == 0


async def test_forged_flow_buttons_pressed_by_a_non_admin_are_refused(
    harness: Harness, sender: Sending
) -> None:
    await _audience(harness, FOLLOWERS, OTHERS)
    # The admin is mid-flow, at the confirmation, when a stranger forges a press.
    _chosen, _preview, confirm = await _to_preview(harness, MESSAGE, "All active")
    stranger_chat = await harness.send("/help", chat_id=STRANGER)

    for data in ("bca:all", "bca:me", "bca:topic", "bct:1", "bcc:y", "bcc:n", "bcs:1"):
        for chat, message in ((STRANGER, stranger_chat), (ADMIN_ID, confirm)):
            answer = await harness.press(message, data, user_id=STRANGER, expect_edit=False)
            assert answer.params.get("text") == "Not allowed.", (data, chat)
            assert answer.params.get("show_alert") is True

    assert harness.current(confirm).text == confirm.text  # unchanged
    assert await _rows(harness) == 0 and await _broadcasts(harness) == []
    mark = harness.server.mark()  # and the admin's own flow goes on
    await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
    await _replies(harness, mark, 1)
    # The stranger's /help registered their chat, so it is one of the active chats too.
    assert (await _broadcasts(harness))[0].sent == len(FOLLOWERS) + len(OTHERS) + 1


async def test_a_forged_stop_button_pressed_by_a_non_admin_changes_nothing(
    harness: Harness,
) -> None:
    readers = list(range(50_000, 50_060))
    await _add_chats(harness, readers)
    sending = await _start_sender(harness, rate=30, batch=4)
    try:
        _chosen, _preview, confirm = await _to_preview(harness, "<b>Alert</b>", "All active")
        mark = harness.server.mark()
        await harness.press(confirm, button_data(confirm, "Send"), user_id=ADMIN_ID)
        progress = harness.current(confirm)
        answer = await harness.press(
            progress, button_data(progress, "Stop"), user_id=STRANGER, expect_edit=False
        )
        assert answer.params.get("text") == "Not allowed."
        (report,) = await _replies(harness, mark, 1)
    finally:
        sending.stop.set()
        await sending.task
    assert "finished" in (report.text or "")
    assert sum(len(_received(harness, r)) for r in readers) == 60
    (stored,) = await _broadcasts(harness)
    assert (stored.status, stored.sent) == ("done", 60)


async def test_a_restarted_bot_resumes_the_progress_message_and_sends_the_report(
    harness: Harness, sender: Sending
) -> None:
    await _add_chats(harness, OTHERS)
    old_progress = await harness.application.bot.send_message(ADMIN_ID, "📣 Broadcast #1 …")
    plan = cases.Plan(ADMIN_ID, "<b>Alert</b>", Audience.ALL, progress_chat_id=ADMIN_ID)
    started = await cases.start_broadcast(harness.db, plan, now=utcnow())
    await cases.set_progress_message(harness.db, started.id, ADMIN_ID, old_progress.message_id)
    mark = harness.server.mark()

    # A new bot process on the same database: no flow ran in it, yet it follows broadcast #1.
    restarted = build_application(
        Services(settings=harness.settings, db=harness.db, renderer=Renderer())
    )
    await restarted.initialize()
    await restarted.start()
    try:
        (report,) = await _replies(harness, mark, 1)
    finally:
        await restarted.stop()
        await restarted.shutdown()

    assert "Broadcast #1 finished." in (report.text or "")
    progress = harness.server.message(ADMIN_ID, old_progress.message_id)
    assert "Sent: 2 · Failed: 0 · Blocked: 0" in (progress.text or "")
    assert "Remaining: 0" in (progress.text or "")
    (stored,) = await _broadcasts(harness)
    assert (stored.status, stored.sent) == ("done", 2)
