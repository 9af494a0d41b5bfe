"""The newsbot command line, run as a user runs it: a real process on a real database."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.support.feeds import hostile_rss
from tests.support.feedserver import FeedServer


class Cli:
    def __init__(self, database_url: str, cwd: Path) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": database_url,
            "ALLOW_PRIVATE_SOURCES": "true",
            # The corpus feeds link to real sites, which tests never reach.
            "FETCH_PAGES": "false",
        }
        self.cwd = cwd

    async def __call__(self, *args: str, expect: int = 0) -> tuple[str, str]:
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
        assert process.returncode == expect, (args, out.decode(), err.decode())
        return out.decode(), err.decode()


@pytest.fixture
async def cli(tmp_path: Path) -> Cli:
    run = Cli(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", tmp_path)
    out, _ = await run("db", "upgrade")
    assert "database at head" in out
    return run


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer(CORPUS)
    await server.start()
    server.add("/broken.xml", b"<html><body>not a feed</body></html>", "text/html")
    yield server
    await server.stop()


async def test_sources_add_list_fetch_remove(cli: Cli, feeds: FeedServer) -> None:
    bbc = feeds.url("/corpus/feeds/ffp-bbc-news-world.xml")
    out, _ = await cli("sources", "add", bbc, "--every", "30m")
    assert "added source 1: BBC News" in out
    assert "every 30m" in out
    assert "found " in out

    _, err = await cli("sources", "add", bbc, expect=1)
    assert "exists already" in err

    _, err = await cli("sources", "add", feeds.url("/broken.xml"), expect=1)
    assert err.startswith("newsbot: ")
    assert "Traceback" not in err

    out, _ = await cli("topics", "add", "World", "--keywords", "war, election, president")
    assert "added topic 'World'" in out

    out, err = await cli("fetch")
    assert "1 sources ok, 0 failed," in out
    assert "fetching" in err  # the progress bar
    new = int(out.split("0 failed, ")[1].split()[0])
    assert new > 0

    out, _ = await cli("sources", "list")
    assert "BBC News" in out and f"articles: {new}" in out and "every 30m" in out

    out, _ = await cli("fetch")
    assert "1 sources ok, 0 failed, 0 new articles" in out

    out, _ = await cli("sources", "remove", "1")
    assert "removed source 1" in out
    out, _ = await cli("sources", "list")
    assert "no sources yet" in out


async def test_fetch_reports_a_failing_source_and_keeps_going(cli: Cli, feeds: FeedServer) -> None:
    await cli("sources", "add", feeds.url("/corpus/feeds/ffp-npr-world.xml"))
    await cli("sources", "add", feeds.url("/corpus/feeds/ffp-cbsnews-world.xml"))
    feeds.add("/corpus/feeds/ffp-npr-world.xml", b"", status=500)
    out, _ = await cli("fetch")
    assert "1 sources ok, 1 failed" in out
    assert "failed: NPR" in out and "HTTP 500" in out
    out, _ = await cli("sources", "list")
    assert "last error: HTTP 500" in out


async def test_private_source_refused_without_the_switch(cli: Cli, feeds: FeedServer) -> None:
    cli.env["ALLOW_PRIVATE_SOURCES"] = "false"
    _, err = await cli("sources", "add", feeds.url("/corpus/feeds/ffp-npr-world.xml"), expect=1)
    assert "private" in err.lower()
    assert "ALLOW_PRIVATE_SOURCES" in err


async def test_topics_add_list_remove(cli: Cli) -> None:
    await cli("topics", "add", "Syria", "--keywords", "syria, hasakah", "--exclude", "football")
    _, err = await cli("topics", "add", "syria", "--keywords", "x", expect=1)
    assert "exists already" in err
    _, err = await cli("topics", "add", "Empty", "--keywords", " , ", expect=1)
    assert "at least one keyword" in err
    out, _ = await cli("topics", "list")
    assert out.strip() == "Syria: syria, hasakah  (not: football)  [0 followers]"
    out, _ = await cli("topics", "remove", "SYRIA")
    assert "removed topic 'Syria'" in out
    _, err = await cli("topics", "remove", "Syria", expect=1)
    assert "There is no topic named" in err


async def test_fetch_of_a_feed_with_hostile_items_stores_the_good_ones_quietly(
    cli: Cli, feeds: FeedServer
) -> None:
    feeds.add("/hostile.xml", hostile_rss())
    await cli("sources", "add", feeds.url("/hostile.xml"), "--name", "Hostile")
    out, err = await cli("fetch")
    # 12 good items and 9 of the 11 hostile ones (those with a usable link) are stored.
    assert "1 sources ok, 0 failed, 21 new articles" in out
    assert "Traceback" not in out + err
    out, _ = await cli("sources", "list")
    assert "articles: 21" in out and "last error" not in out


async def _seed_outbox(url: str, ages_days: list[int]) -> None:
    from digests.db import Database
    from digests.models import OutboxMessage
    from digests.timeutil import utcnow

    db = Database(url)
    try:
        async with db.transaction() as session:
            for n, age in enumerate(ages_days):
                created = utcnow() - timedelta(days=age)
                session.add(
                    OutboxMessage(
                        key=f"k{n}",
                        chat_id=1,
                        lane=2,
                        text="digest " * 2000,
                        status="sent",
                        not_before=created,
                        created_at=created,
                        sent_at=created,
                    )
                )
    finally:
        await db.close()


async def test_prune_dry_run_counts_then_prune_removes(cli: Cli) -> None:
    await _seed_outbox(cli.env["DATABASE_URL"], [10, 9, 8, 1])
    out, _ = await cli("prune", "--dry-run")
    assert re.search(r"outbox \(sent, dropped\)\s+would remove\s+3  \(older than 7 days\)", out)
    assert re.search(r"article texts and leads\s+would remove\s+0  \(older than 90 days\)", out)
    out, _ = await cli("stats")
    assert "Rows: outbox 4 · " in out

    cli.env["OUTBOX_RETENTION_DAYS"] = "9"
    out, _ = await cli("prune")
    assert re.search(r"outbox \(sent, dropped\)\s+removed\s+2  \(older than 9 days\)", out)
    assert "done in " in out
    out, _ = await cli("stats")
    assert "Rows: outbox 2 · " in out


async def test_db_vacuum_turns_an_old_sqlite_file_incremental(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # made before newsbot set auto_vacuum
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE notes (x)")
    run = Cli(f"sqlite+aiosqlite:///{path}", tmp_path)
    await run("db", "upgrade")
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA auto_vacuum").fetchone() == (0,)
    out, _ = await run("db", "vacuum")
    assert out.startswith("database: ") and " MB after" in out
    with closing(sqlite3.connect(path)) as check:
        assert check.execute("PRAGMA auto_vacuum").fetchone() == (2,)  # incremental


async def test_a_chat_that_does_not_exist_is_named_in_one_line_and_exit_1(cli: Cli) -> None:
    out, err = await cli("digest", "preview", "--chat", "999", expect=1)
    assert err == "newsbot: There is no chat 999: it never talked to the bot.\n"
    assert out == ""


async def test_a_source_that_is_not_a_url_is_refused_as_such(cli: Cli) -> None:
    _, err = await cli("sources", "add", "notaurl", expect=1)
    assert err == (
        "newsbot: “notaurl” is not a URL: send an address such as https://example.com/feed.xml\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ("sources", "list"),
        ("search", "iran"),
        ("stats",),
        ("topics", "list"),
        ("fetch",),
        ("digest", "preview", "--chat", "1"),
    ],
)
async def test_a_database_not_migrated_yet_is_one_line_saying_to_upgrade(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    from digests.migrate import head_revision

    line = (
        f"newsbot: DATABASE_URL: schema is at nothing, code needs {head_revision()}; "
        "run `newsbot db upgrade`\n"
    )
    missing = tmp_path / "new.db"
    _, err = await Cli(f"sqlite+aiosqlite:///{missing}", tmp_path)(*command, expect=2)
    assert err == line
    assert not missing.exists()  # no empty file that the next command would take for a database

    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    _, err = await Cli(f"sqlite+aiosqlite:///{empty}", tmp_path)(*command, expect=2)
    assert err == line


async def test_export_to_a_folder_that_does_not_exist_is_one_line(cli: Cli, tmp_path: Path) -> None:
    out, err = await cli("sources", "export", str(tmp_path / "nowhere" / "x.opml"), expect=2)
    assert (
        err == f"newsbot: cannot write {tmp_path / 'nowhere' / 'x.opml'}: folder does not exist\n"
    )
    assert out == ""
