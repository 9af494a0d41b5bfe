"""Setup faults: one line and exit code 2; what is merely down at start is waited for.

Each test runs the real ``newsbot run`` (or ``db upgrade``) as a subprocess.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.botapi import BotApiServer
from tests.support.service import finish, free_port, newsbot_env, read_until, start_newsbot

TOKEN = "123456:AAE-startup-faults"


async def _one_line_exit_2(env: dict[str, str], cwd: Path, *args: str) -> str:
    process = await start_newsbot(env, *args, cwd=cwd)
    code, out = await finish(process)
    lines = out.strip().splitlines()
    assert code == 2, out
    assert 1 <= len(lines) <= 2, out
    assert lines[-1].startswith("newsbot: "), out
    return lines[-1]


async def test_a_missing_postgresql_database_is_one_line(postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url.rsplit("/", 1)[0] + "/newsbot_no_such_database"
    env = newsbot_env(BOT_TOKEN=TOKEN, DATABASE_URL=url)
    line = await _one_line_exit_2(env, tmp_path)
    assert line == (
        "newsbot: DATABASE_URL: database newsbot_no_such_database does not exist; "
        "create it (e.g. `createdb newsbot_no_such_database`)"
    )


@pytest.mark.slow
async def test_postgresql_refusing_connections_is_waited_for_then_one_line(
    tmp_path: Path,
) -> None:
    url = f"postgresql+asyncpg://newsbot@127.0.0.1:{free_port()}/newsbot"
    env = newsbot_env(BOT_TOKEN=TOKEN, DATABASE_URL=url, STARTUP_TIMEOUT="2")
    line = await _one_line_exit_2(env, tmp_path)
    assert line.startswith("newsbot: DATABASE_URL: still unreachable after 2 s (PostgreSQL at")


async def test_a_missing_sqlite_folder_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/newsbot.db"
    for command in (("run",), ("db", "upgrade")):
        env = newsbot_env(BOT_TOKEN=TOKEN, DATABASE_URL=url)
        line = await _one_line_exit_2(env, tmp_path, *command)
        assert line.startswith(f"newsbot: DATABASE_URL: folder {tmp_path}/no/such/folder does not")
    assert not (tmp_path / "no").exists()


@pytest.mark.slow
async def test_a_bot_api_that_never_answers_is_one_line_after_the_startup_timeout(
    sqlite_url: str, tmp_path: Path
) -> None:
    api = f"http://127.0.0.1:{free_port()}"
    env = newsbot_env(
        BOT_TOKEN=TOKEN, BOT_API_URL=api, DATABASE_URL=sqlite_url, STARTUP_TIMEOUT="2"
    )
    line = await _one_line_exit_2(env, tmp_path)
    assert line.startswith("newsbot: BOT_API_URL: still unreachable after 2 s")


@pytest.mark.slow
async def test_a_bot_api_that_comes_up_later_is_waited_for(sqlite_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = newsbot_env(
        BOT_TOKEN=TOKEN, BOT_API_URL=f"http://127.0.0.1:{port}", DATABASE_URL=sqlite_url
    )
    process = await start_newsbot(env, cwd=tmp_path)
    before = await read_until(process, "BOT_API_URL: not reachable yet")
    await asyncio.sleep(1)
    async with BotApiServer(token=TOKEN, port=port) as server:
        await server.wait_for_call("setMyCommands", timeout=30)
        code, out = await finish(process, terminate=True)
    assert code == 0, before + out
    assert "not reachable yet" not in out, out  # logged once a minute, not at every try


@contextlib.asynccontextmanager
async def _tcp_forwarder(port: int, target: tuple[str, int]) -> AsyncIterator[None]:
    """Forward 127.0.0.1:``port`` to ``target`` (PostgreSQL "coming up" on that port)."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    server = await asyncio.start_server(connected, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.slow
async def test_postgresql_that_comes_up_later_is_waited_for(
    postgres_url: str, tmp_path: Path
) -> None:
    real = make_url(postgres_url)
    port = free_port()
    url = real.set(port=port).render_as_string(hide_password=False)
    async with BotApiServer(token=TOKEN) as server:
        env = newsbot_env(BOT_TOKEN=TOKEN, BOT_API_URL=server.base_url, DATABASE_URL=url)
        process = await start_newsbot(env, cwd=tmp_path)
        before = await read_until(process, "DATABASE_URL: not reachable yet")
        await asyncio.sleep(1)
        async with _tcp_forwarder(port, (real.host or "127.0.0.1", real.port or 5432)):
            await server.wait_for_call("setMyCommands", timeout=30)
            code, out = await finish(process, terminate=True)
    assert code == 0, before + out
    assert "not reachable yet" not in out, out


async def test_other_commands_say_in_one_line_that_postgresql_is_down(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://newsbot@127.0.0.1:{free_port()}/newsbot"
    line = await _one_line_exit_2(newsbot_env(DATABASE_URL=url), tmp_path, "sources", "list")
    assert line.startswith("newsbot: DATABASE_URL: still unreachable (PostgreSQL at 127.0.0.1:")


@pytest.mark.slow
async def test_sigterm_while_waiting_for_postgresql_exits_at_once(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://newsbot@127.0.0.1:{free_port()}/newsbot"
    env = newsbot_env(BOT_TOKEN=TOKEN, DATABASE_URL=url, STARTUP_TIMEOUT="300")
    process = await start_newsbot(env, cwd=tmp_path)
    await read_until(process, "DATABASE_URL: not reachable yet")
    code, out = await finish(process, terminate=True, within=10)
    assert code == 0, out
    assert "stopped while waiting for the database" in out
