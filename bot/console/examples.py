"""The example news ``newsbot console`` starts with: feeds and pages shipped in the package.

They are served on 127.0.0.1 by a small aiohttp server for as long as the console runs, so
the bot fetches them exactly as it fetches any source (its HTTP client, its feed parser, page
extraction for the full text). ``{base}`` in a file becomes the server's address and
``{minutes:N}`` the moment N minutes ago, so the news is always fresh enough for /latest and
for today's digest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

from digests.timeutil import utcnow

EXAMPLES = Path(__file__).parent / "examples"
FEEDS = ("world.xml", "arabic.xml")
PORT = 47380
_MINUTES = re.compile(r"\{minutes:(\d+)\}")


@dataclass(frozen=True, slots=True)
class ExampleTopic:
    """A curated topic the examples match."""

    name: str
    keywords: str


def example_topics() -> list[ExampleTopic]:
    """The topics in ``examples/topics.json``."""
    data = json.loads((EXAMPLES / "topics.json").read_text(encoding="utf-8"))
    return [ExampleTopic(item["name"], item["keywords"]) for item in data]


def fill(text: str, base: str, now: datetime) -> str:
    """``text`` with ``{base}`` and ``{minutes:N}`` filled in."""
    text = text.replace("{base}", base)
    return _MINUTES.sub(lambda m: format_datetime(now - timedelta(minutes=int(m.group(1)))), text)


class ExampleServer:
    """The example feeds and pages over HTTP on 127.0.0.1 (a free port)."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.base = ""

    @property
    def feed_urls(self) -> list[str]:
        """The URLs of the example feeds."""
        return [f"{self.base}/{name}" for name in FEEDS]

    async def start(self) -> None:
        """Listen on 127.0.0.1, on :data:`PORT` when it is free (so a database kept with
        ``--db`` finds its example sources at the same address), else on any free port."""
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", PORT).start()
        except OSError:
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, request: web.Request) -> web.Response:
        path = (EXAMPLES / request.match_info["path"]).resolve()
        if not path.is_file() or EXAMPLES.resolve() not in path.parents:
            raise web.HTTPNotFound()
        kind = "application/rss+xml" if path.suffix == ".xml" else "text/html"
        body = fill(path.read_text(encoding="utf-8"), self.base, utcnow())
        return web.Response(text=body, content_type=kind, charset="utf-8")
