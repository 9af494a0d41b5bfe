"""End to end: chats add feeds of their own with /addfeed, list and remove them with /myfeeds,
and only they are offered those feeds' items; admins see them in /sources and block hosts.

The real bot polls the test Bot API server; feeds come from the feed server on 127.0.0.1; the
scheduler's fetch is the same ``Ingest.fetch_all`` a running bot calls.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digests import user_feeds
from digests.db import Database
from digests.ingest import Ingest, make_fetcher
from digests.models import ArticleTopic, BlockedHost, Source, SourceOwner, Subscription, Topic
from digests.opml import parse_opml
from digests.settings import Settings
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef, FetchSummary
from tests.bot.conftest import ADMIN_ID, Harness, button_data, button_labels
from tests.bot.test_cli import Cli
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

A = 1001
B = 1002
GROUP = -100500
MEMBER = 7001
GROUP_ADMIN = 7002
PRISON = "Hasakah prison: guards and inmates clash"
SCHOOL = "Hasakah council opens a new school"


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add(
        "/world.xml",
        rss(title="World Wire", items={PRISON: 2, "Derby ends in a draw": 3}, host="wire.example"),
    )
    # A local paper: its own news, and the prison story under its own link (a copy).
    server.add(
        "/local.xml",
        rss(title="Hasakah Local", items={SCHOOL: 1, PRISON: 1.5}, host="local.example"),
    )
    server.add(
        "/other.xml",
        rss(title="Other Desk", items={"Quiet day at the port": 1}, host="other.example"),
    )
    server.add(
        "/third.xml", rss(title="Third Desk", items={"Rain expected": 1}, host="third.example")
    )
    server.add(
        "/home.html",
        b'<html><head><title>Local</title><link rel="alternate" type="application/rss+xml" '
        b'href="/local.xml"></head><body><p>Welcome.</p></body></html>',
        "text/html",
    )
    server.add("/plain.html", b"<html><body><p>Just words.</p></body></html>", "text/html")
    yield server
    await server.stop()


async def fetch_due(harness: Harness) -> FetchSummary:
    """What the running bot's scheduler does every few seconds: fetch the sources due now."""
    async with make_fetcher(harness.settings) as fetcher:
        return await Ingest(harness.db, harness.settings, fetcher).fetch_all(now=utcnow())


async def follow_syria(harness: Harness, chat_id: int) -> None:
    welcome = await harness.send("/start", chat_id=chat_id)
    await harness.press(welcome, button_data(welcome, "Syria"))


@pytest.fixture
async def curated(harness: Harness, feeds: FeedServer) -> Harness:
    """A curated source and topic, fetched; chats A and B follow the topic."""
    await harness.ingest(feeds.url("/world.xml"), topics={"Syria": "hasakah, syria"})
    await follow_syria(harness, A)
    await follow_syria(harness, B)
    return harness


async def _sources(harness: Harness) -> list[Source]:
    async with harness.db.transaction() as session:
        return list((await session.scalars(select(Source).order_by(Source.id))).all())


async def _user_source(harness: Harness) -> Source:
    [found] = [s for s in await _sources(harness) if s.origin == "user"]
    return found


async def test_a_chat_gets_its_feed_and_no_other_chat_sees_it(
    curated: Harness, feeds: FeedServer
) -> None:
    harness = curated
    reply = await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    text = reply.text or ""
    assert text.startswith("✅ Added “Hasakah Local” (checked every 30m).")
    assert f"It holds 2 items; newest: “{SCHOOL}”." in text
    assert "Its new items come in this chat's digests and /latest." in text
    await fetch_due(harness)

    mine = (await harness.send("/latest", chat_id=A)).text or ""
    assert SCHOOL in mine
    one_feed = (await harness.send("/latest hasakah local", chat_id=A)).text or ""
    assert SCHOOL in one_feed and "Derby" not in one_feed
    assert "There is no topic called “Hasakah Local”." in (
        (await harness.send("/latest Hasakah Local", chat_id=B)).text or ""
    )
    assert mine.count("guards and inmates clash") == 1  # one story, however many carry it
    theirs = (await harness.send("/latest", chat_id=B)).text or ""
    assert PRISON in theirs  # the curated copy, as before
    assert SCHOOL not in theirs and "Hasakah Local" not in theirs

    # Keyword topics: another chat's words never reach the feed's items, the owner's do.
    preview = (await harness.send("/follow council", chat_id=B)).text or ""
    assert SCHOOL not in preview
    preview = await harness.send("/follow school", chat_id=B)
    await harness.press(preview, button_data(preview, "Save"))
    assert SCHOOL not in ((await harness.send("/latest", chat_id=B)).text or "")
    assert SCHOOL in ((await harness.send("/follow council", chat_id=A)).text or "")
    # Search finds the feed's items for the owner only.
    assert SCHOOL in ((await harness.send("/search council", chat_id=A)).text or "")
    assert SCHOOL not in ((await harness.send("/search council", chat_id=B)).text or "")

    # Digests: the owner's has the feed under its name; the other's is as if it did not exist.
    digest = (await harness.send("/digest", chat_id=A)).text or ""
    assert "▍Hasakah Local" in digest and SCHOOL in digest
    digest = (await harness.send("/digest", chat_id=B)).text or ""
    assert SCHOOL not in digest and "Hasakah Local" not in digest
    assert PRISON in digest


async def test_two_chats_adding_one_feed_share_one_source_fetched_once(
    curated: Harness, feeds: FeedServer
) -> None:
    harness = curated
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    assert feeds.hits("/local.xml") == 1
    # The same feed spelled another way: found by its canonical URL, not fetched again.
    spelled = feeds.url("/local.xml").replace("127.0.0.1", "127.0.0.1.") + "?utm_source=tg"
    reply = await harness.send(f"/addfeed {spelled}", chat_id=B)
    assert (reply.text or "").startswith("✅ Added “Hasakah Local”")
    assert feeds.hits("/local.xml") == 1
    await fetch_due(harness)
    await fetch_due(harness)  # not due again: one fetch serves both chats
    assert feeds.hits("/local.xml") == 2
    source = await _user_source(harness)
    assert source.url == feeds.url("/local.xml")
    for chat in (A, B):
        assert SCHOOL in ((await harness.send("/latest", chat_id=chat)).text or "")

    listed = (await harness.send("/sources", chat_id=ADMIN_ID)).text or ""
    # The note has a line of its own, with no blank line before the source's health.
    assert f"#{source.id} Hasakah Local\n👤 chat feed, added by 2 chats\nfeed, every " in listed
    assert "World Wire\n" in listed and listed.count("👤") == 1


async def test_a_page_that_announces_its_feed_adds_the_feed(
    harness: Harness, feeds: FeedServer
) -> None:
    reply = await harness.send(f"/addfeed {feeds.url('/home.html')}", chat_id=A)
    assert (reply.text or "").startswith("✅ Added “Hasakah Local”")
    assert (await _user_source(harness)).url == feeds.url("/local.xml")


async def test_what_cannot_be_added_gets_one_short_line(
    harness: Harness, feeds: FeedServer
) -> None:
    usage = (await harness.send("/addfeed", chat_id=A)).text or ""
    assert usage.startswith("Add a feed of your own\n/addfeed URL")
    cases = {
        feeds.url("/plain.html"): "That is not a feed, and the page announces none",
        feeds.url("/missing.xml"): "Could not fetch it: HTTP 404 Not Found.",
        "notaurl": "is not a URL",
        "ftp://example.com/feed": "only http:// and https:// URLs can be sources",
    }
    for url, reason in cases.items():
        text = (await harness.send(f"/addfeed {url}", chat_id=A)).text or ""
        assert text.startswith("Could not add "), text
        assert reason in text, text
        assert len(text) < 300
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    again = (await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)).text or ""
    assert "This chat has that feed already: see /myfeeds." in again
    assert [s.origin for s in await _sources(harness)] == ["user"]


class TestCaps:
    """Admin-set caps: feeds per chat, user feeds in all, the fetch interval, the size limit."""

    @pytest.fixture
    def command_budget(self) -> dict[str, object]:
        return {
            "chat_command_rate": 600.0,
            "chat_command_burst": 100,
            "user_feeds_per_chat": 2,
            "user_feeds_max": 2,
            "user_feed_min_interval": 3600,
            "fetch_max_bytes": 2000,
        }

    async def test_caps_refuse_with_a_reason_and_shared_feeds_cost_nothing(
        self, harness: Harness, feeds: FeedServer
    ) -> None:
        for path in ("/local.xml", "/other.xml"):
            reply = await harness.send(f"/addfeed {feeds.url(path)}", chat_id=A)
            assert "(checked every 1h)" in (reply.text or "")
        text = (await harness.send(f"/addfeed {feeds.url('/third.xml')}", chat_id=A)).text
        assert "This chat has 2 feeds, the most it can have; remove one in /myfeeds" in (text or "")
        text = (await harness.send(f"/addfeed {feeds.url('/third.xml')}", chat_id=B)).text
        assert "This bot reads as many chats' feeds as it can; try again later." in (text or "")
        assert feeds.hits("/third.xml") == 0
        # A feed the bot reads already does not count against the total.
        text = (await harness.send(f"/addfeed {feeds.url('/other.xml')}", chat_id=B)).text
        assert (text or "").startswith("✅ Added “Other Desk” (checked every 1h).")
        assert {s.fetch_interval for s in await _sources(harness)} == {3600}

    async def test_a_feed_over_the_size_limit_is_refused(
        self, harness: Harness, feeds: FeedServer
    ) -> None:
        feeds.add(
            "/big.xml",
            rss(title="Big", items={f"Item {n}": 1 for n in range(40)}, host="big.example"),
        )
        text = (await harness.send(f"/addfeed {feeds.url('/big.xml')}", chat_id=A)).text or ""
        assert "That feed is too big: over 2 kB." in text
        assert await _sources(harness) == []


class TestPrivateAddresses:
    """With ALLOW_PRIVATE_SOURCES off (the default), private and loopback feeds are refused."""

    @pytest.fixture
    def command_budget(self) -> dict[str, object]:
        return {
            "chat_command_rate": 600.0,
            "chat_command_burst": 100,
            "allow_private_sources": False,
        }

    async def test_private_and_loopback_feeds_are_refused_unfetched(
        self, harness: Harness, feeds: FeedServer
    ) -> None:
        for url in (
            feeds.url("/local.xml"),
            feeds.url("/local.xml").replace("127.0.0.1", "localhost"),
            "http://10.0.0.1/feed.xml",
            "http://[::1]/feed",
        ):
            text = (await harness.send(f"/addfeed {url}", chat_id=A)).text or ""
            assert "That address is on a private or local network; feeds must be public." in text
        assert feeds.hits("/local.xml") == 0
        assert await _sources(harness) == []


async def test_admins_block_a_host_persistently_and_unblock_it(
    harness: Harness, feeds: FeedServer
) -> None:
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    for command in ("/blockhost 127.0.0.1", "/unblockhost 127.0.0.1", "/blockhost"):
        assert (await harness.send(command, chat_id=B)).text == "Not allowed."
    async with harness.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(BlockedHost)) == 0

    reply = await harness.send("/blockhost 127.0.0.1", chat_id=ADMIN_ID)
    assert reply.text == "Blocked 127.0.0.1. 1 chat feed there is paused."
    assert (await _user_source(harness)).paused
    text = (await harness.send(f"/addfeed {feeds.url('/other.xml')}", chat_id=B)).text or ""
    assert "Feeds from 127.0.0.1 are not allowed on this bot." in text
    assert feeds.hits("/other.xml") == 0
    listed = (await harness.send("/blockhost", chat_id=ADMIN_ID)).text or ""
    assert listed.startswith("Blocked hosts\n127.0.0.1\n")
    text = (await harness.send("/blockhost not a host", chat_id=ADMIN_ID)).text or ""
    assert "is not a host name" in text

    reply = await harness.send("/unblockhost 127.0.0.1", chat_id=ADMIN_ID)
    assert reply.text == "Unblocked 127.0.0.1. 1 chat feed there is resumed."
    assert not (await _user_source(harness)).paused
    text = (await harness.send("/unblockhost 127.0.0.1", chat_id=ADMIN_ID)).text or ""
    assert "127.0.0.1 is not blocked." in text


async def test_myfeeds_removes_and_the_last_removal_stops_the_fetching(
    curated: Harness, feeds: FeedServer
) -> None:
    harness = curated
    empty = (await harness.send("/myfeeds", chat_id=A)).text or ""
    assert "This chat has no feeds of its own. Add one with /addfeed URL." in empty
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=B)
    await fetch_due(harness)
    listed = await harness.send("/myfeeds", chat_id=A)
    assert "This chat's feeds\n1. Hasakah Local — 127.0.0.1" in (listed.text or "")
    assert button_labels(listed) == ["✖ 1. Hasakah Local"]
    # Another chat's keyword list is not a place for feeds.
    assert "Hasakah Local" not in ((await harness.send("/following", chat_id=A)).text or "")

    answer = await harness.press(listed, button_data(listed, "Hasakah Local"))
    assert answer.params["text"] == "Removed Hasakah Local"
    edited = harness.current(listed)
    assert "Removed “Hasakah Local”." in (edited.text or "")
    assert "This chat has no feeds of its own." in (edited.text or "")
    assert SCHOOL not in ((await harness.send("/latest", chat_id=A)).text or "")
    assert SCHOOL in ((await harness.send("/latest", chat_id=B)).text or "")
    source = await _user_source(harness)

    answer = await harness.press(listed, f"uf:rm:{source.id}", expect_edit=False)
    assert answer.params["text"] == "That feed is gone already."
    theirs = await harness.send("/myfeeds", chat_id=B)
    await harness.press(theirs, button_data(theirs, "Hasakah Local"))
    assert [s.origin for s in await _sources(harness)] == ["admin"]
    async with harness.db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(SourceOwner)) == 0
        feed_topics = await session.scalar(
            select(func.count()).select_from(Topic).where(Topic.owner_chat_id.in_((A, B)))
        )
        assert feed_topics == 0
    hits = feeds.hits("/local.xml")
    await fetch_due(harness)
    assert feeds.hits("/local.xml") == hits


async def test_the_admins_opml_export_leaves_chats_feeds_out(
    curated: Harness, feeds: FeedServer
) -> None:
    harness = curated
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    mark = harness.server.mark()
    harness.server.inject_message(ADMIN_ID, "/export")
    [call] = await harness.server.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=mark)
    exported = harness.server.message(ADMIN_ID, call.result["message_id"])
    assert exported.caption == "1 source"
    assert exported.file is not None
    assert [f.name for f in parse_opml(exported.file.content)] == ["World Wire"]


async def test_myfeeds_says_when_a_feed_fails(harness: Harness, feeds: FeedServer) -> None:
    await harness.send(f"/addfeed {feeds.url('/other.xml')}", chat_id=A)
    feeds.add("/other.xml", b"gone", "text/plain", status=404)
    await fetch_due(harness)
    listed = (await harness.send("/myfeeds", chat_id=A)).text or ""
    assert "1. Other Desk — 127.0.0.1\n   ⚠️ last error: HTTP 404 Not Found" in listed


async def test_two_chats_adding_one_new_feed_at_once_share_it(
    harness: Harness, feeds: FeedServer
) -> None:
    mark = harness.server.mark()
    for chat in (A, B):
        harness.server.inject_message(chat, f"/addfeed {feeds.url('/local.xml')}")
    for chat in (A, B):
        [call] = await harness.server.wait_for_call("sendMessage", chat_id=chat, since=mark)
        assert str(call.params["text"]).startswith("✅ Added “Hasakah Local”")
    source = await _user_source(harness)
    async with harness.db.transaction() as session:
        owners = await session.scalars(
            select(SourceOwner.chat_id).where(SourceOwner.source_id == source.id)
        )
        assert sorted(owners) == [A, B]


async def test_stop_removes_the_chats_feeds_too(curated: Harness, feeds: FeedServer) -> None:
    harness = curated
    await harness.send(f"/addfeed {feeds.url('/local.xml')}", chat_id=A)
    stop = await harness.send("/stop", chat_id=A)
    await harness.press(stop, "stop:y")
    assert [s.origin for s in await _sources(harness)] == ["admin"]
    async with harness.db.transaction() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(Subscription).where(Subscription.chat_id == A)
            )
            == 0
        )


async def test_in_groups_only_admins_add_and_remove_feeds(
    harness: Harness, feeds: FeedServer
) -> None:
    url = feeds.url("/local.xml")
    refused = await harness.send(
        f"/addfeed {url}", chat_id=GROUP, chat_type="supergroup", user_id=MEMBER
    )
    assert refused.text == "Only this group's admins can change what it follows."
    assert feeds.hits("/local.xml") == 0
    harness.server.set_member_status(GROUP, GROUP_ADMIN, "administrator")
    added = await harness.send(
        f"/addfeed {url}", chat_id=GROUP, chat_type="supergroup", user_id=GROUP_ADMIN
    )
    assert (added.text or "").startswith("✅ Added “Hasakah Local”")
    listed = await harness.send("/myfeeds", chat_id=GROUP, chat_type="supergroup", user_id=MEMBER)
    answer = await harness.press(
        listed,
        button_data(listed, "Hasakah Local"),
        user_id=MEMBER,
        chat_type="supergroup",
        expect_edit=False,
    )
    assert answer.params["text"] == "Only this group's admins can change what it follows."
    assert [s.origin for s in await _sources(harness)] == ["user"]
    async with harness.db.transaction() as session:
        [owner] = (await session.scalars(select(SourceOwner))).all()
        assert owner.chat_id == GROUP
        matched = await session.scalar(
            select(func.count())
            .select_from(ArticleTopic)
            .where(ArticleTopic.topic_id == owner.topic_id)
        )
        assert matched == 0  # nothing stored yet: the scheduler's fetch brings the items


async def test_the_command_line_marks_chat_feeds_and_blocks_hosts(
    tmp_path: Path, feeds: FeedServer
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    cli = Cli(url, tmp_path)
    await cli("db", "upgrade")
    await cli("sources", "add", feeds.url("/world.xml"))
    db = Database(url)
    settings = Settings(  # type: ignore[call-arg]
        database_url=url, allow_private_sources=True, fetch_pages=False
    )
    try:
        async with make_fetcher(settings) as fetcher:
            for chat in (A, B):
                ref = ChatRef(chat, ChatKind.PRIVATE)
                await user_feeds.add_feed(
                    db, fetcher, ref, feeds.url("/local.xml"), settings, now=utcnow()
                )
    finally:
        await db.close()
    out, _ = await cli("sources", "list")
    assert re.search(r"World Wire  <[^>]+>  \(every 15m\)\n", out)
    assert re.search(r"Hasakah Local  <[^>]+>  \(every 30m\)  \[user feed, 2 chats\]\n", out)

    out, _ = await cli("sources", "block", "127.0.0.1")
    assert out == "blocked 127.0.0.1; 1 chat feeds there paused\n"
    out, _ = await cli("sources", "blocked")
    assert out == "127.0.0.1\n"
    out, _ = await cli("sources", "list")
    assert "Hasakah Local  <" in out and "(paused)  [user feed, 2 chats]" in out
    _, err = await cli("sources", "block", "not a host", expect=1)
    assert "is not a host name" in err
    out, _ = await cli("sources", "unblock", "127.0.0.1")
    assert out == "unblocked 127.0.0.1; 1 chat feeds there resumed\n"
    _, err = await cli("sources", "unblock", "127.0.0.1", expect=1)
    assert "127.0.0.1 is not blocked." in err
