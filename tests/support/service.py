"""Run ``newsbot run``'s :func:`bot.runner.serve` inside a test, and reach its HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
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
