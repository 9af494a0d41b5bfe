"""End to end: an admin adds, lists, pauses, resumes and removes sources, and moves them as OPML."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from digests.ingest import Ingest, make_fetcher
from digests.models import Article
from digests.opml import OpmlFeed, parse_opml, write_opml
from digests.store import sources as source_store
from digests.timeutil import utcnow
from digests.types import SourceInfo
from tests.bot.conftest import ADMIN_ID, Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feedserver import FeedServer


def rss(title: str, items: dict[str, int]) -> bytes:
    """An RSS feed; ``items`` maps titles to how many hours ago they were published."""
    now = utcnow()
    entries = "".join(
        f"<item><title>{name}</title><link>https://news.example/{title[:3]}/{i}</link>"
        f"<guid>{title}-{i}</guid><pubDate>{format_datetime(now - timedelta(hours=h))}</pubDate>"
        "</item>"
        for i, (name, h) in enumerate(items.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example/</link>{entries}</channel></rss>"
    ).encode()


WORLD = {"Older story": 30, "Newest story": 1, "Middle story": 5}


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss("World News", WORLD))
    server.add("/sport.xml", rss("Sport Desk", {"Derby tonight": 2}))
    server.add("/page.html", b"<html><body><p>Just words.</p></body></html>", "text/html")
    yield server
    await server.stop()


async def _sources(harness: Harness) -> list[SourceInfo]:
    async with harness.db.transaction() as session:
        return await source_store.list_sources(session)


async def test_admin_adds_a_source_and_sees_what_it_holds(
    harness: Harness, feeds: FeedServer
) -> None:
    reply = await harness.send(f"/addsource {feeds.url('/world.xml')} Wire World", chat_id=ADMIN_ID)
    text = reply.text or ""
    assert text.startswith("Added source #")
    assert "Wire World (feed, every 15m)" in text
    assert "Found “World News” with 3 items; newest: “Newest story”." in text
    [source] = await _sources(harness)
    assert (source.name, source.fetch_interval, source.url) == (
        "Wire World",
        900,
        feeds.url("/world.xml"),
    )

    # Without a name the feed's title is used.
    reply = await harness.send(f"/addsource {feeds.url('/sport.xml')}", chat_id=ADMIN_ID)
    assert "Sport Desk (feed, every 15m)" in (reply.text or "")


async def test_unusable_urls_get_one_clear_line_and_store_nothing(
    harness: Harness, feeds: FeedServer
) -> None:
    missing = await harness.send(f"/addsource {feeds.url('/nope.xml')}", chat_id=ADMIN_ID)
    assert (missing.text or "").startswith(f"Could not add {feeds.url('/nope.xml')}: ")
    assert "404" in (missing.text or "")
    page = await harness.send(f"/addsource {feeds.url('/page.html')}", chat_id=ADMIN_ID)
    assert "announces no feed" in (page.text or "")
    for text in ("notaurl", "https://nodot/feed", "not a url"):
        bad = await harness.send(f"/addsource {text}", chat_id=ADMIN_ID)
        url = text.split()[0]  # the rest is the name
        assert bad.text == (
            f"Could not add {url}: “{url}” is not a URL: "
            "send an address such as https://example.com/feed.xml"
        )
    unreachable = await harness.send("/addsource http://127.0.0.1:9/feed.xml", chat_id=ADMIN_ID)
    assert (unreachable.text or "").startswith("Could not add http://127.0.0.1:9/feed.xml: ")

    harness.settings.allow_private_sources = False  # as in production
    private = await harness.send(f"/addsource {feeds.url('/world.xml')}", chat_id=ADMIN_ID)
    private_text = private.text or ""
    assert private_text.startswith("Could not add") and "private" in private_text.lower()
    assert len(private_text.splitlines()) == 1
    assert await _sources(harness) == []

    usage = await harness.send("/addsource", chat_id=ADMIN_ID)
    assert "/addsource URL [name]" in (usage.text or "")


async def test_source_list_shows_health_and_pauses_resumes_removes(
    harness: Harness, feeds: FeedServer
) -> None:
    await harness.send(f"/addsource {feeds.url('/world.xml')}", chat_id=ADMIN_ID)
    await harness.send(f"/addsource {feeds.url('/sport.xml')}", chat_id=ADMIN_ID)
    world, sport = sorted(await _sources(harness), key=lambda s: s.name, reverse=True)
    async with make_fetcher(harness.settings) as fetcher:
        ingest = Ingest(harness.db, harness.settings, fetcher)
        await ingest.fetch_all(now=utcnow())
        feeds.add("/sport.xml", b"server trouble", "text/plain", status=500)
        for _ in range(2):
            await ingest.fetch_all(now=utcnow(), source_ids=[sport.id])
    async with harness.db.transaction() as session:
        # One of World's articles came in 30 hours ago: it leaves the 24-hour count.
        await session.execute(
            update(Article)
            .where(Article.source_id == world.id, Article.title == "Older story")
            .values(first_seen_at=utcnow() - timedelta(hours=30))
        )

    listing = await harness.send("/sources", chat_id=ADMIN_ID)
    text = listing.text or ""
    assert text.startswith("Sources (2)")
    assert f"#{world.id} World News" in text
    assert "feed, every 15m · last fetch just now · 2 articles in 24 h" in text
    assert f"#{sport.id} Sport Desk" in text
    assert "⚠️ 2 failures in a row: " in text and "500" in text
    assert button_labels(listing) == [
        f"⏸ Pause #{sport.id}",
        f"🗑 Remove #{sport.id}",
        f"⏸ Pause #{world.id}",
        f"🗑 Remove #{world.id}",
        "➕ Add a source",
    ]

    answer = await harness.press(listing, button_data(listing, f"Pause #{world.id}"))
    assert answer.params.get("text") == "Paused World News"
    paused = harness.current(listing)
    assert f"#{world.id} World News ⏸ paused" in (paused.text or "")
    assert f"▶ Resume #{world.id}" in button_labels(paused)
    assert [s.paused for s in await _sources(harness) if s.id == world.id] == [True]

    answer = await harness.press(paused, button_data(paused, f"Resume #{world.id}"))
    assert answer.params.get("text") == "Resumed World News"
    assert [s.paused for s in await _sources(harness) if s.id == world.id] == [False]

    # Removing asks first; "No" keeps the source and brings the list back.
    await harness.press(listing, button_data(harness.current(listing), f"Remove #{world.id}"))
    confirm = harness.current(listing)
    assert (
        confirm.text or ""
    ) == f"Remove source #{world.id} World News and its 3 stored articles?"
    assert button_labels(confirm) == ["Yes, remove", "No, keep it"]
    await harness.press(confirm, button_data(confirm, "No, keep it"))
    assert (harness.current(listing).text or "").startswith("Sources (2)")
    assert len(await _sources(harness)) == 2

    await harness.press(listing, button_data(harness.current(listing), f"Remove #{world.id}"))
    confirm = harness.current(listing)
    yes = button_data(confirm, "Yes, remove")
    answer = await harness.press(confirm, yes)
    assert answer.params.get("text") == "Removed World News"
    assert [s.name for s in await _sources(harness)] == ["Sport Desk"]
    assert (harness.current(listing).text or "").startswith("Sources (1)")

    # Pressing the old confirmation again finds nothing to remove.
    again = await harness.press(confirm, yes, expect_edit=False)
    assert again.params.get("text") == "That source was removed already."
    assert len(harness.server.messages(ADMIN_ID)) == 3  # two "Added" and one list, edited


async def test_long_lists_are_paged_eight_at_a_time(harness: Harness) -> None:
    now = utcnow()
    async with harness.db.transaction() as session:
        for n in range(10):
            await source_store.add_source(
                session,
                url=f"https://s{n}.example/rss",
                name=f"Source {n:02d}",
                kind="feed",
                fetch_interval=3600,
                now=now,
            )
    first = await harness.send("/sources", chat_id=ADMIN_ID)
    assert (first.text or "").startswith("Sources (10, page 1 of 2)")
    assert (first.text or "").count("last fetch never") == 8
    assert "1/2" in button_labels(first) and "More ›" in button_labels(first)
    await harness.press(first, button_data(first, "More ›"))
    second = harness.current(first)
    assert (second.text or "").startswith("Sources (10, page 2 of 2)")
    assert "Source 08" in (second.text or "") and "Source 07" not in (second.text or "")
    assert "‹ Back" in button_labels(second) and "More ›" not in button_labels(second)
    direct = await harness.send("/sources 2", chat_id=ADMIN_ID)
    assert direct.text == second.text


async def _document(harness: Harness, filename: str, content: bytes) -> StoredMessage:
    """Send a file as the admin and return the bot's reply."""
    mark = harness.server.mark()
    harness.server.inject_document(
        ADMIN_ID, filename, content, user_id=ADMIN_ID, mime_type="text/x-opml"
    )
    [call] = await harness.server.wait_for_call(
        "sendMessage", chat_id=ADMIN_ID, since=mark, timeout=20
    )
    return harness.server.message(ADMIN_ID, call.result["message_id"])


async def _export(harness: Harness) -> StoredMessage:
    mark = harness.server.mark()
    harness.server.inject_message(ADMIN_ID, "/export")
    [call] = await harness.server.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=mark)
    return harness.server.message(ADMIN_ID, call.result["message_id"])


async def test_opml_export_and_import_in_the_chat_keep_names_and_intervals(
    harness: Harness, feeds: FeedServer
) -> None:
    await harness.send(f"/addsource {feeds.url('/world.xml')} Wire World", chat_id=ADMIN_ID)
    await harness.send(f"/addsource {feeds.url('/sport.xml')}", chat_id=ADMIN_ID)
    async with harness.db.transaction() as session:
        [sport] = [s for s in await source_store.list_sources(session) if s.name == "Sport Desk"]
        source = await source_store.find_source(session, str(sport.id))
        assert source is not None
        source.fetch_interval = 7200

    exported = await _export(harness)
    assert exported.kind == "document" and exported.caption == "2 sources"
    assert exported.file is not None and exported.file.filename == "newsbot-sources.opml"
    data = exported.file.content
    assert sorted((f.name, f.interval) for f in parse_opml(data)) == [
        ("Sport Desk", 7200),
        ("Wire World", 900),
    ]

    # Into an empty bot: everything comes back as it was.
    for source_info in await _sources(harness):
        async with harness.db.transaction() as session:
            await source_store.remove_source(session, str(source_info.id))
    report = await _document(harness, "newsbot-sources.opml", data)
    assert (report.text or "").startswith("OPML import: 2 added, 0 already present, 0 failed.")
    assert sorted((s.name, s.fetch_interval, s.url) for s in await _sources(harness)) == [
        ("Sport Desk", 7200, feeds.url("/sport.xml")),
        ("Wire World", 900, feeds.url("/world.xml")),
    ]

    # Another reader's file, with a feed we have, a new one and two that fail.
    other = write_opml(
        [
            OpmlFeed(feeds.url("/world.xml"), "World again"),
            OpmlFeed(feeds.url("/extra.xml"), "Extra"),
            OpmlFeed(feeds.url("/gone.xml"), "Gone"),
            OpmlFeed(feeds.url("/page.html"), "Page"),
        ],
        title="other reader",
        now=utcnow(),
    )
    feeds.add("/extra.xml", rss("Extra Feed", {"Hello": 1}))
    report = await _document(harness, "feeds.opml", other)
    text = report.text or ""
    assert text.startswith("OPML import: 1 added, 1 already present, 2 failed.")
    assert "+ Extra" in text
    assert f"✗ {feeds.url('/gone.xml')}: " in text and "404" in text
    assert f"✗ {feeds.url('/page.html')}: " in text
    assert len(await _sources(harness)) == 3

    broken = await _document(harness, "broken.opml", b"<html>no</html>")
    assert (broken.text or "").startswith("Could not import broken.opml: not an OPML file")


class _Cli:
    """``python -m bot`` as an operator runs it, on a SQLite file."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "ALLOW_PRIVATE_SOURCES": "true",
            "FETCH_PAGES": "false",
        }
        self.cwd = tmp_path

    async def __call__(self, *args: str) -> tuple[str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env=self.env,
            cwd=self.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, (args, out.decode(), err.decode())
        return out.decode(), err.decode()


async def test_cli_exports_and_imports_opml(tmp_path: Path, feeds: FeedServer) -> None:
    cli = _Cli(tmp_path)
    await cli("db", "upgrade")
    await cli("sources", "add", feeds.url("/world.xml"), "--name", "Wire", "--every", "2h")
    out, _ = await cli("sources", "export")
    assert [(f.name, f.interval) for f in parse_opml(out.encode())] == [("Wire", 7200)]
    file = tmp_path / "out.opml"
    _, err = await cli("sources", "export", str(file))
    assert "wrote 1 source to " in err
    assert file.read_bytes() == out.encode() or parse_opml(file.read_bytes()) == parse_opml(
        out.encode()
    )

    incoming = tmp_path / "in.opml"
    incoming.write_bytes(
        write_opml(
            [
                OpmlFeed(feeds.url("/world.xml"), "Wire"),
                OpmlFeed(feeds.url("/sport.xml"), "Sports", 600),
                OpmlFeed(feeds.url("/gone.xml"), "Gone"),
            ],
            title="t",
            now=utcnow(),
        )
    )
    out, _ = await cli("sources", "import", str(incoming))
    assert out.splitlines()[-1] == "1 added, 1 already present, 1 failed"
    assert f"  failed: {feeds.url('/gone.xml')}: " in out
    listed, _ = await cli("sources", "list")
    assert "Sports" in listed and "every 10m" in listed


async def test_an_old_remove_button_never_removes_the_next_source(
    harness: Harness, feeds: FeedServer
) -> None:
    await harness.send(f"/addsource {feeds.url('/world.xml')}", chat_id=ADMIN_ID)
    listing = await harness.send("/sources", chat_id=ADMIN_ID)
    await harness.press(listing, button_data(listing, "Remove #"))
    yes = button_data(harness.current(listing), "Yes, remove")
    await harness.press(listing, yes)
    assert await _sources(harness) == []

    # On SQLite the next source gets the freed id, so the old button's id now names it.
    await harness.send(f"/addsource {feeds.url('/sport.xml')}", chat_id=ADMIN_ID)
    answer = await harness.press(listing, yes)
    assert answer.params.get("text") == (
        "This button is out of date; here is the list as it is now."
        if harness.db.dialect == "sqlite"
        else "That source was removed already."  # PostgreSQL never hands an id out twice
    )
    assert [s.name for s in await _sources(harness)] == ["Sport Desk"]
    for forged in ["as:ry:1:0", "as:ry:1:0:zzzzzzzz", "as:rm:x:0:00000000", "as:p:9:0"]:
        answer = await harness.press(listing, forged, expect_edit=False)
        assert answer.params.get("text") == "This button has expired.", forged
    assert [s.name for s in await _sources(harness)] == ["Sport Desk"]


async def test_a_remove_button_for_a_source_that_still_exists_but_another_url_changes_nothing(
    harness: Harness, feeds: FeedServer
) -> None:
    await harness.send(f"/addsource {feeds.url('/world.xml')}", chat_id=ADMIN_ID)
    listing = await harness.send("/sources", chat_id=ADMIN_ID)
    for forged in ["as:rm:1:0:deadbeef", "as:ry:1:0:deadbeef", "as:pa:1:0:deadbeef"]:
        answer = await harness.press(listing, forged)
        assert answer.params.get("text") == (
            "This button is out of date; here is the list as it is now."
        ), forged
    [source] = await _sources(harness)
    assert source.name == "World News" and not source.paused
