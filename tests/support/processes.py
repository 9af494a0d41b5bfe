"""Real ``newsbot`` processes for tests that kill, stop or run several of them."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def newsbot_env(token: str, api_url: str, database_url: str, **settings: str) -> dict[str, str]:
    """This environment plus the settings a newsbot process needs (LOG_LEVEL WARNING)."""
    return {
        **os.environ,
        "BOT_TOKEN": token,
        "BOT_API_URL": api_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        **settings,
    }


async def spawn_newsbot(
    env: dict[str, str],
    *args: str,
    stderr: int | None = asyncio.subprocess.DEVNULL,
    stdin: int | None = None,
) -> asyncio.subprocess.Process:
    """Start ``python -m bot ARGS`` from the checkout; its stdout is a pipe."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=ROOT,
        env=env,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )


async def run_newsbot(
    env: dict[str, str], *args: str, answer: bytes = b"", within: float = 60
) -> tuple[int, str, str]:
    """Run ``newsbot ARGS`` to the end, ``answer`` on its stdin; its status, stdout, stderr."""
    process = await spawn_newsbot(
        env, *args, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(answer), within)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
