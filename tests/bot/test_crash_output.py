"""The token appears nowhere in what ``newsbot run`` prints, on every road out of it.

Each test runs the real ``newsbot run`` as a subprocess against the test Bot API server and
reads everything it printed (stdout and stderr).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.botapi import BotApiServer
from tests.support.service import finish, newsbot_env, start_newsbot

TOKEN = "123456:AAE-very-secret_token"


def assert_no_token(out: str) -> None:
    """Neither the token nor its secret part, in any letter case, anywhere in ``out``."""
    secret = TOKEN.split(":", 1)[1].lower()
    assert secret not in out.lower().replace("%3a", ":"), out


def _env(server: BotApiServer, database_url: str, **more: str) -> dict[str, str]:
    return newsbot_env(
        BOT_TOKEN=TOKEN, BOT_API_URL=server.base_url, DATABASE_URL=database_url, **more
    )


async def test_a_rejected_token_is_one_line_and_exit_2(sqlite_url: str, tmp_path: Path) -> None:
    async with BotApiServer(token="123456:another-token") as server:
        process = await start_newsbot(_env(server, sqlite_url), cwd=tmp_path)
        code, out = await finish(process)
    assert code == 2, out
    assert out.strip() == (
        "newsbot: BOT_TOKEN: rejected by the Bot API (401 Unauthorized); "
        "get the current token from @BotFather"
    )
    assert_no_token(out)


@pytest.mark.slow
async def test_5xx_echoing_the_path_at_start_is_waited_out_in_json_logs_without_the_token(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with BotApiServer(token=TOKEN) as server:
        server.fail_next("getMe", status=500, description="Server Error at {path}", times=2)
        process = await start_newsbot(_env(server, sqlite_url, LOG_FORMAT="json"), cwd=tmp_path)
        await server.wait_for_call("setMyCommands", timeout=60)
        mark = server.mark()
        # The reply fails once, so the error handler logs (and the user gets an apology).
        server.fail_next("sendMessage", status=400, description="Bad Request: {path}", chat_id=1001)
        server.inject_message(1001, "/help")
        await server.wait_for_call("sendMessage", chat_id=1001, since=mark, count=2)
        code, out = await finish(process, terminate=True)
    assert code == 0, out
    assert_no_token(out)
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    waiting = [r for r in records if "not reachable yet" in r["message"]]
    assert len(waiting) == 1, records  # logged once, not at every try
    assert "/bot<BOT_TOKEN>/getMe" in waiting[0]["message"]  # the echo, redacted
    (failed,) = [r for r in records if r["message"] == "error while handling an update"]
    assert failed["chat_id"] == 1001 and failed["update_id"] >= 1
    assert "/bot<BOT_TOKEN>/sendmessage" in failed["exc_info"]  # PTB lower-cased the echo
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)


@pytest.mark.slow
async def test_an_unhandled_crash_at_start_prints_its_traceback_without_the_token(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with BotApiServer(token=TOKEN) as server:
        # A 5xx that echoes the request path, token and all, where nothing expects it.
        server.fail_next("setMyCommands", status=500, description="Upstream failed: {path}")
        process = await start_newsbot(_env(server, sqlite_url), cwd=tmp_path)
        code, out = await finish(process)
    assert code == 1, out
    assert "Traceback (most recent call last)" in out
    assert "/bot<BOT_TOKEN>/setMyCommands" in out
    assert_no_token(out)
