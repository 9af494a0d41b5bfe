"""Run ``newsbot run``'s :func:`bot.runner.serve` inside a test, and reach its HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from bot.runner import serve
from digests.settings import Settings


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    """GET ``url``: (status, body)."""
    async with aiohttp.ClientSession() as client, client.get(url) as answer:
        return answer.status, await answer.text()


async def wait_until_up(url: str, task: asyncio.Task[Any], within: float = 20.0) -> None:
    """Wait until ``url`` answers; fail early if ``task`` (the service) ended."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if task.done():
            task.result()  # raises what stopped it
            raise AssertionError("the service stopped before it served")
        with contextlib.suppress(aiohttp.ClientError):
            status, _ = await get(url)
            if status == 200:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{url} did not answer within {within} s")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[str]:
    """Serve with ``settings`` (which must set a listen address) until the block ends.

    Yields the HTTP server's root URL, once ``/healthz`` answers and the receiver started.
    """
    assert settings.listen is not None
    host, port = settings.listen
    root = f"http://{host}:{port}"
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        await wait_until_up(f"{root}/healthz", task)
        await wait_until_receiving(f"{root}/readyz", task)
        yield root
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def wait_until_receiving(url: str, task: asyncio.Task[Any], within: float = 20.0) -> None:
    """Wait until ``/readyz`` reports the poller or the webhook active."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        if task.done():
            task.result()
        async with aiohttp.ClientSession() as client, client.get(url) as answer:
            report = await answer.json()
        roles = report.get("roles", {})
        if "active" in (roles.get("poller"), roles.get("webhook")):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no receiver active: {report}")
        await asyncio.sleep(0.05)


ROOT = Path(__file__).resolve().parent.parent.parent


def newsbot_env(**settings: str) -> dict[str, str]:
    """The environment for a ``newsbot`` subprocess: this one's, minus newsbot settings and
    any ``.env`` (run from an empty folder), plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    env.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", **settings})
    return env


_SETTINGS = {
    "BOT_TOKEN", "BOT_API_URL", "DATABASE_URL", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN",
    "HTTP_LISTEN", "LOG_FORMAT", "LOG_LEVEL", "STARTUP_TIMEOUT",
}  # fmt: skip


async def start_newsbot(env: dict[str, str], *args: str, cwd: Path) -> asyncio.subprocess.Process:
    """Start ``newsbot ARGS`` (default ``run``) with stdout and stderr merged into one pipe."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *(args or ("run",)),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def finish(
    process: asyncio.subprocess.Process, *, terminate: bool = False, within: float = 60.0
) -> tuple[int, str]:
    """(exit code, everything printed), after SIGTERM if ``terminate``; kills on overrun."""
    if terminate:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        out, _ = await process.communicate()
        raise AssertionError(f"newsbot did not end within {within} s:\n{out.decode()}") from None
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace")


async def read_until(process: asyncio.subprocess.Process, text: str, within: float = 60.0) -> str:
    """Read the process's output until a line holds ``text``; return what was read."""
    assert process.stdout is not None
    seen: list[str] = []
    async with asyncio.timeout(within):
        while True:
            line = (await process.stdout.readline()).decode(errors="replace")
            if not line:
                raise AssertionError(f"output ended without {text!r}:\n{''.join(seen)}")
            seen.append(line)
            if text in line:
                return "".join(seen)
