"""`newsbot search`, run as a user runs it: a real process on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from digests.db import Database
from tests.bot.test_cli import Cli
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

HEADLINES = {
    "Iran talks resume in Vienna": 2,
    "Iran talks: a look back": 24 * 10,
    "اشتباكات في العِراق وإيران": 1,
}


@pytest.fixture
async def news() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/news.xml", rss(HEADLINES))
    yield server
    await server.stop()


@pytest.fixture
async def cli(db: Database, tmp_path: Path, news: FeedServer) -> Cli:
    run = Cli(db.url, tmp_path)  # the test's emptied database, already migrated
    await db.close()  # the command is the only one writing
    await run("sources", "add", news.url("/news.xml"))
    out, _ = await run("fetch")
    assert "3 new articles" in out
    return run


async def test_search_prints_the_stories_found_with_since_and_lang(cli: Cli) -> None:
    out, _ = await cli("search", "iran", "talks")
    assert out.startswith("Search: iran talks")
    assert "1. Iran talks resume in Vienna" in out
    assert "2. Iran talks: a look back" in out

    out, _ = await cli("search", "iran", "talks", "--since", "7d")
    assert "Iran talks resume in Vienna" in out
    assert "a look back" not in out

    # Each article's detected language (py3langid: these three are en, en, ar) decides.
    out, _ = await cli("search", "العراق", "--lang", "ar")
    assert "1. اشتباكات في العِراق وإيران" in out
    out, _ = await cli("search", "العراق", "--lang", "en")
    assert "Nothing found" in out

    out, _ = await cli("search", "والعراق")
    assert "1. اشتباكات في العِراق وإيران" in out

    out, _ = await cli("search", "tokyo")
    assert "Nothing found for “tokyo”." in out


async def test_search_refuses_what_it_cannot_read_in_one_line(cli: Cli) -> None:
    _, err = await cli("search", "iran", "--since", "someday", expect=1)
    assert err.strip() == (
        "newsbot: I can't read since:someday; try since:7d, since:24h or since:2026-11-01."
    )
    _, err = await cli("search", expect=2)
    assert "Missing argument" in err


async def test_search_leaves_out_minus_words_typed_on_the_command_line(cli: Cli) -> None:
    out, _ = await cli("search", "iran", "-vienna")
    assert out.startswith("Search: iran -vienna")
    assert "Iran talks: a look back" in out
    assert "resume in Vienna" not in out

    out, _ = await cli("search", "iran", "-vienna", "--since", "30d", "--lang", "en")
    assert "Iran talks: a look back" in out and "resume in Vienna" not in out


async def test_search_refuses_a_language_that_does_not_exist_and_a_page_past_the_end(
    cli: Cli,
) -> None:
    _, err = await cli("search", "iran", "--lang", "xx", expect=1)
    assert err == "newsbot: I can't read lang:xx; try lang:ar or lang:en.\n"

    _, err = await cli("search", "iran", "--page", "99", expect=1)
    assert err == "newsbot: there is only 1 page of results; try --page 1\n"


async def test_search_with_only_a_filter_asks_for_a_word(cli: Cli) -> None:
    _, err = await cli("search", "lang:ar", expect=1)
    assert err.startswith("newsbot: Say a word to look for too, e.g. ")


async def test_a_placeholder_token_does_not_garble_what_search_prints(cli: Cli) -> None:
    cli.env["BOT_TOKEN"] = "a"
    out, _ = await cli("search", "iran", "talks")
    assert out.startswith("Search: iran talks")
    assert "<BOT_TOKEN>" not in out

    cli.env["BOT_TOKEN"] = "123456:AAE-placeholder-token"
    out, _ = await cli("search", "123456:AAE-placeholder-token")
    assert "123456:AAE-placeholder-token" not in out and "<BOT_TOKEN>" in out
