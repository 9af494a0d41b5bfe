"""Broadcast use cases: checking the message, queuing it per audience, counting, stopping, cards.

Storage tests run on SQLite and PostgreSQL; the outbox rows' fate is set the way the sender
sets it (claim, then record), so the counts are the ones a real run would show.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from digests import broadcast as cases
from digests import topics
from digests.broadcast import Audience, BroadcastStatus, Plan
from digests.db import Database
from digests.errors import InvalidInput, NotFound
from digests.models import Broadcast, OutboxMessage
from digests.render import Renderer
from digests.sources.fetch import Fetcher
from digests.store import chats as chat_store
from digests.store import outbox
from digests.store import topics as topic_store
from digests.store.outbox import Lane, Mark, Status
from digests.types import ChatKind, ChatRef
from tests.support.botapi import parse_html
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
ADMIN = 4242


# -- checking the message ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "<b>Breaking:</b> dam breaks",
        '<a href="https://news.example/x?a=1&amp;b=2">link</a> &lt;tag&gt; &quot;q&quot; &#128512;',
        "<strong>s</strong><em>e</em><ins>i</ins><strike>s</strike><del>d</del><u>u</u><s>s</s>",
        '<pre><code class="language-python">print(1)</code></pre> <code>x</code>',
        '<blockquote>quoted</blockquote> <tg-spoiler>a</tg-spoiler> <span class="tg-spoiler">'
        "b</span>",
        '<a href="tg://user?id=1">someone</a>',
        "Arabic too: سوريا <b>العراق</b>",
    ],
)
def test_telegram_html_is_accepted_and_telegram_parses_it(text: str) -> None:
    assert cases.check_html(f"  {text}\n") == text
    parse_html(text)  # the test server parses HTML as Telegram does


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("1 < 2", "1 &lt; 2"),
        ("AT&T <b>up</b> <3 &amp; &#38; more", "AT&amp;T <b>up</b> &lt;3 &amp; &#38; more"),
        ("R&D: <i>a</i> < <i>b</i> & c", "R&amp;D: <i>a</i> &lt; <i>b</i> &amp; c"),
        ("&", "&amp;"),
    ],
)
def test_a_lone_ampersand_or_less_than_is_text_and_is_escaped(text: str, sent: str) -> None:
    assert cases.check_html(text) == sent
    assert parse_html(sent).text == html.unescape(re.sub(r"</?[bi]>", "", sent))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>bold", "<b> is never closed."),
        ("<b><i>x</b></i>", "</b> found where </i> was expected."),
        ("x</i>", "</i> closes a tag that was never opened."),
        ("<div>x</div>", "<div> is not allowed; use b, i, u, s, a, code, pre, blockquote or"),
        ('<a href="javascript:alert(1)">x</a>', 'Every <a> needs href="http(s)://…"'),
        ("<a>x</a>", 'Every <a> needs href="http(s)://…"'),
        ('<span class="red">x</span>', '<span> is only allowed as <span class="tg-spoiler">.'),
        ("line<br/>break", "<br/> is not allowed"),
        ("<b", "An unfinished tag"),
        ("x <b", "An unfinished tag"),
        ("&nbsp;x", "&nbsp; is not an entity Telegram knows"),
        ("<!-- note -->x", "HTML comments are not allowed."),
        (" \n ", "The message is empty."),
        ("<b></b>", "The message is empty."),
        ("x" * 4097, "The message is 4097 characters long; Telegram allows 4096."),
    ],
)
def test_malformed_or_too_long_html_is_refused_with_one_clear_line(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        cases.check_html(text)
    assert str(refused.value).startswith(problem)
    assert "\n" not in str(refused.value)


def test_the_length_limit_counts_what_telegram_shows() -> None:
    assert cases.check_html("<b>" + "x" * 4096 + "</b>")  # tags and entities do not count
    assert cases.check_html("&amp;" * 4096)
    with pytest.raises(InvalidInput):
        cases.check_html("😀" * 2049)  # two UTF-16 units each, as Telegram counts


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://news.example/a/b?c=1", "https://news.example/a/b?c=1"),
        ("  http://news.example/x \n", "http://news.example/x"),
        ("see https://news.example/x", None),
        ("ftp://news.example/x", None),
        ("<b>https://x.example</b>", None),
    ],
)
def test_a_message_that_is_just_a_link_is_a_link(text: str, url: str | None) -> None:
    assert cases.link_in(text) == url


# -- queuing -------------------------------------------------------------------------------------


async def _chats(db: Database, ids: list[int], *, topic_id: int | None = None) -> None:
    async with db.transaction() as session:
        for chat_id in ids:
            await chat_store.upsert_chat(
                session,
                ChatRef(chat_id, ChatKind.PRIVATE if chat_id > 0 else ChatKind.GROUP, "c"),
                default_timezone="UTC",
                default_digest_time="08:00",
                now=NOW,
            )
            if topic_id is not None:
                await topic_store.subscribe(session, chat_id, topic_id, NOW)


async def _rows(db: Database) -> list[OutboxMessage]:
    async with db.transaction() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.chat_id)))


async def _stored(db: Database, broadcast_id: int) -> Broadcast:
    async with db.transaction() as session:
        found = await session.get(Broadcast, broadcast_id)
        assert found is not None
        return found


async def test_a_broadcast_to_all_queues_one_row_per_active_chat(db: Database) -> None:
    await _chats(db, [101, 102, -103, 104])
    async with db.transaction() as session:
        await chat_store.set_inactive(session, 104, "blocked", NOW)

    started = await cases.start_broadcast(
        db, Plan(ADMIN, "<b>News</b>", Audience.ALL, progress_chat_id=ADMIN), now=NOW
    )

    assert started.recipients == 3
    rows = await _rows(db)
    assert [r.chat_id for r in rows] == [-103, 101, 102]
    assert {r.key for r in rows} == {f"broadcast:{started.id}:{c}" for c in (-103, 101, 102)}
    assert {(r.lane, r.text, r.status, r.broadcast_id) for r in rows} == {
        (int(Lane.BROADCAST), "<b>News</b>", "pending", started.id)
    }
    stored = await _stored(db, started.id)
    assert (stored.admin_id, stored.audience, stored.recipients, stored.status) == (
        ADMIN,
        "all",
        3,
        "queued",
    )
    assert stored.created_at == NOW and stored.progress_chat_id == ADMIN
    assert await cases.count_recipients(db, Audience.ALL) == 3


async def test_a_topic_broadcast_goes_to_its_active_followers_only(db: Database) -> None:
    info, _ = await topics.add_topic(db, "Floods", "flood", now=NOW)
    await _chats(db, [1, 2, 3], topic_id=info.id)
    await _chats(db, [4, 5])
    async with db.transaction() as session:
        await chat_store.set_inactive(session, 3, "kicked", NOW)

    assert await cases.find_topic(db, "FLOODS") == (info.id, "Floods")
    assert await cases.count_recipients(db, Audience.TOPIC, info.id) == 2
    started = await cases.start_broadcast(
        db, Plan(ADMIN, "x", Audience.TOPIC, topic_id=info.id), now=NOW
    )

    assert started.recipients == 2
    assert [r.chat_id for r in await _rows(db)] == [1, 2]
    assert (await _stored(db, started.id)).topic_id == info.id
    with pytest.raises(NotFound):
        await cases.find_topic(db, "Nothing")
    with pytest.raises(InvalidInput):
        await cases.topic_name(db, info.id + 100)


async def test_only_me_sends_one_message_to_the_admins_chat(db: Database) -> None:
    await _chats(db, [1, 2])
    started = await cases.start_broadcast(
        db, Plan(ADMIN, "test", Audience.ME, me_chat_id=ADMIN), now=NOW
    )
    assert [r.chat_id for r in await _rows(db)] == [ADMIN]
    assert started.recipients == 1 == await cases.count_recipients(db, Audience.ME)


async def test_a_malformed_message_is_never_stored_or_queued(db: Database) -> None:
    await _chats(db, [1])
    with pytest.raises(InvalidInput):
        await cases.start_broadcast(db, Plan(ADMIN, "<b>x", Audience.ALL), now=NOW)
    assert await _rows(db) == []
    assert await cases.unfinished(db) == []


async def test_a_large_audience_is_queued_in_batches_in_one_go(db: Database) -> None:
    ids = list(range(1, 2 * cases.QUEUE_BATCH + 7))
    await _chats(db, ids)
    started = await cases.start_broadcast(db, Plan(ADMIN, "x", Audience.ALL), now=NOW)
    assert started.recipients == len(ids) == len(await _rows(db))


# -- progress, stop and the final counts ---------------------------------------------------------


async def _settle_rows(db: Database, fates: dict[int, tuple[Status, str]]) -> None:
    """Claim every due row and record the given fate for the chats in ``fates``."""
    async with db.transaction() as session:
        claimed = await outbox.claim(session, NOW + timedelta(seconds=1), 10_000)
        marks = []
        for m in claimed:
            status, outcome = fates.get(m.chat_id, (Status.PENDING, "put back"))
            marks.append(Mark(m.id, status, 1, outcome, m.not_before))
        await outbox.record(session, marks)


async def test_progress_counts_sent_failed_blocked_and_final_counts_are_written_once(
    db: Database,
) -> None:
    await _chats(db, [1, 2, 3, 4, 5])
    started = await cases.start_broadcast(db, Plan(ADMIN, "x", Audience.ALL), now=NOW)
    await _settle_rows(
        db,
        {
            1: (Status.SENT, "sent"),
            2: (Status.SENT, "sent"),
            3: (Status.FAILED, "Bad Request: message is too long"),
            4: (Status.DROPPED, "Forbidden: bot was blocked by the user"),
        },
    )

    current, won = await cases.settle(db, started.id, now=NOW)
    assert not won and current.status is BroadcastStatus.QUEUED
    assert (current.sent, current.failed, current.blocked, current.remaining) == (2, 1, 1, 1)
    assert current.done == 4 and not current.finished
    assert [b.id for b in await cases.unfinished(db)] == [started.id]

    await _settle_rows(db, {5: (Status.SENT, "sent")})
    done_at = NOW + timedelta(minutes=1)
    final, won = await cases.settle(db, started.id, now=done_at)
    again, won_again = await cases.settle(db, started.id, now=done_at)

    assert won and not won_again  # one watcher sends the final report
    assert final.status is BroadcastStatus.DONE and again.status is BroadcastStatus.DONE
    stored = await _stored(db, started.id)
    assert (stored.status, stored.sent, stored.failed, stored.blocked) == ("done", 3, 1, 1)
    assert stored.finished_at == done_at
    assert await cases.unfinished(db) == []


async def test_stop_drops_the_pending_rest_and_keeps_what_was_sent(db: Database) -> None:
    await _chats(db, [1, 2, 3, 4])
    started = await cases.start_broadcast(db, Plan(ADMIN, "x", Audience.ALL), now=NOW)
    await _settle_rows(db, {1: (Status.SENT, "sent")})

    assert await cases.stop_broadcast(db, started.id) == 3
    assert await cases.stop_broadcast(db, started.id) == 0

    final, won = await cases.settle(db, started.id, now=NOW)
    assert won and final.status is BroadcastStatus.STOPPED
    assert (final.sent, final.stopped, final.blocked, final.remaining) == (1, 3, 0, 0)
    rows = {r.chat_id: r for r in await _rows(db)}
    assert rows[1].status == "sent"
    assert {(rows[c].status, rows[c].outcome) for c in (2, 3, 4)} == {
        ("dropped", "stopped by admin")
    }
    assert (await _stored(db, started.id)).status == "stopped"


async def test_stop_leaves_rows_in_flight_to_finish(db: Database) -> None:
    await _chats(db, [1, 2])
    started = await cases.start_broadcast(db, Plan(ADMIN, "x", Audience.ALL), now=NOW)
    async with db.transaction() as session:
        claimed = await outbox.claim(session, NOW + timedelta(seconds=1), 1)  # in flight
    assert await cases.stop_broadcast(db, started.id) == 1
    current, won = await cases.settle(db, started.id, now=NOW)
    assert not won and current.remaining == 1  # not finished while a send is in flight
    async with db.transaction() as session:
        await outbox.record(session, [Mark(claimed[0].id, Status.SENT, 1, "sent", NOW)])
    final, won = await cases.settle(db, started.id, now=NOW)
    assert won and (final.sent, final.stopped, final.status) == (1, 1, BroadcastStatus.STOPPED)


async def test_an_empty_audience_finishes_at_once(db: Database) -> None:
    info, _ = await topics.add_topic(db, "Nobody", "nobody", now=NOW)
    started = await cases.start_broadcast(
        db, Plan(ADMIN, "x", Audience.TOPIC, topic_id=info.id), now=NOW
    )
    seen: list[cases.Progress] = []
    final = await cases.follow(db, started.id, seen.append, interval=0.01)
    assert started.recipients == 0 and final.status is BroadcastStatus.DONE and seen[-1] == final


async def test_follow_reports_progress_until_done_with_an_estimate(db: Database) -> None:
    await _chats(db, [1, 2, 3, 4, 5, 6])
    started = await cases.start_broadcast(db, Plan(ADMIN, "x", Audience.ALL), now=NOW)
    seen: list[cases.Progress] = []

    async def sender() -> None:  # one message every 50 ms
        for chat_id in range(1, 7):
            await asyncio.sleep(0.05)
            await _settle_rows(db, {chat_id: (Status.SENT, "sent")})

    sending = asyncio.create_task(sender())
    final = await cases.follow(db, started.id, seen.append, interval=0.02)
    await sending

    assert final.sent == 6 and final.status is BroadcastStatus.DONE and final.eta == 0.0
    done = [p.done for p in seen]
    assert done == sorted(done) and len(set(done)) >= 4  # it reported along the way
    estimates = [p.eta for p in seen if 0 < p.remaining < 6 and p.eta is not None]
    assert estimates and all(0 < e < 2 for e in estimates)  # about 50 ms a message


def test_the_estimate_follows_the_observed_rate() -> None:
    meter = cases.RateMeter(window=10)
    assert meter.eta(100) is None  # nothing observed yet
    meter.add(0.0, 0)
    meter.add(2.0, 50)
    assert meter.rate() == 25.0 and meter.eta(100) == 4.0
    for t in range(3, 30):
        meter.add(float(t), 50 + (t - 2) * 10)  # it slowed to 10/s
    assert meter.rate() == pytest.approx(10.0)
    assert meter.eta(0) == 0.0
    meter.add(31.0, 320)
    meter.add(60.0, 320)  # stalled for half a minute
    assert meter.eta(10) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "unknown"), (0.2, "0 s"), (44.6, "45 s"), (60, "1 min"), (75, "1 min 15 s"),
     (3720, "1 h 2 min")],
)  # fmt: skip
def test_time_left_reads_as_people_say_it(seconds: float | None, text: str) -> None:
    assert cases.duration_text(seconds) == text


# -- a card for a link ---------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Dam breaks upstream &amp; town evacuated | Example News</title>
<meta property="og:type" content="article"></head><body>
<header><a href="/">Example News</a></header>
<article><h1>Dam breaks upstream &amp; town evacuated</h1>
<p>This photo provided by the fire service shows the valley.</p>
<p>The old dam above Riverton gave way early on Tuesday, sending a wall of water down the
valley, and about 2,000 people were moved to higher ground, officials said.</p>
<p>Rescue teams in boats reached the lower streets by noon, the emergency service said.</p>
</article><footer>Subscribe to our newsletter</footer></body></html>"""


async def test_a_link_becomes_a_card_with_title_site_lead_and_link() -> None:
    server = FeedServer()
    await server.start()
    try:
        server.add("/news/2026/02/17/dam-breaks", _PAGE.encode(), content_type="text/html")
        url = server.url("/news/2026/02/17/dam-breaks")
        async with Fetcher() as fetcher:
            card = await cases.fetch_card(fetcher, url, allow_private=True)
            with pytest.raises(InvalidInput, match="Could not fetch"):
                await cases.fetch_card(fetcher, server.url("/missing"), allow_private=True)
            with pytest.raises(InvalidInput, match="Could not fetch"):
                await cases.fetch_card(fetcher, url, allow_private=False)  # a private address
    finally:
        await server.stop()

    assert card == cases.Card(
        title="Dam breaks upstream & town evacuated",
        site="127.0.0.1",
        lead="The old dam above Riverton gave way early on Tuesday, sending a wall of water "
        "down the valley, and about 2,000 people were moved to higher ground, officials said.",
        url=url,
    )
    html = cases.check_html(Renderer().render("broadcast_card", card=card))
    parsed = parse_html(html)
    assert parsed.text.startswith("Dam breaks upstream & town evacuated\n\nThe old dam")
    assert parsed.text.endswith("\n\n127.0.0.1")
    assert {"type": "text_link", "offset": len(parsed.text) - 9, "length": 9, "url": url} in (
        parsed.entities
    )


def test_a_card_names_the_site_by_its_host() -> None:
    assert cases.site_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert cases.site_of("http://News.Example:8080/a") == "news.example"
