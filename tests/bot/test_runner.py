"""``newsbot run`` stops cleanly on SIGTERM, even in the middle of starting."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.botapi import BotApiServer
from tests.support.service import finish, newsbot_env, start_newsbot


@pytest.mark.slow
async def test_sigterm_while_the_first_jobs_run_stops_at_once_without_a_traceback(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The first fetch check and digest tick start with the bot; a stop then must let them
    unwind before the database closes (closing under them hung the exit)."""
    async with BotApiServer(token="123456:AAE-runner-test") as server:
        env = newsbot_env(
            BOT_TOKEN=server.token, BOT_API_URL=server.base_url, DATABASE_URL=sqlite_url
        )
        for delay in (0.0, 0.05):
            process = await start_newsbot(env, cwd=tmp_path)
            await server.wait_for_call("setMyCommands", timeout=60, since=server.mark())
            await asyncio.sleep(delay)
            code, out = await finish(process, terminate=True, within=30)
            assert code == 0, out
            assert "Traceback" not in out, out
            assert "stopping" in out
