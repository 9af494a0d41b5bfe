"""A real HTTP server on 127.0.0.1 that serves corpus feeds and routes made by a test.

Tests fetch from it exactly as the bot fetches from the internet, so timeouts, redirects,
conditional GET and compression are exercised for real. Later work adds faults with ``add``.

It also runs on its own, for trying the bot without the internet (README, "Trying it without
Telegram")::

    .venv/bin/python -m tests.support.feedserver --port 8082 [--corpus ../shared/corpus]

serves ``/news.xml``, a feed of sample headlines from the last hours, made at start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from aiohttp import web


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    content_type: str = "application/rss+xml"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gzip: bool = False
    etag: str | None = None
    last_modified: str | None = None
    redirect_to: str | None = None


class FeedServer:
    """An aiohttp server on a random port of 127.0.0.1.

    ``/corpus/NAME`` serves ``corpus/NAME`` (e.g. ``/corpus/feeds/ffp-bbc-news-world.xml``)
    with an ETag; other paths are routes added with ``add`` or ``redirect``.
    """

    def __init__(self, corpus: Path | None = None) -> None:
        self.corpus = corpus
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.request_headers: list[tuple[str, dict[str, str]]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, port: int = 0) -> None:
        """Start listening on 127.0.0.1 at ``port`` (0: a free one)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A handler still in a route's delay (its client killed) must not hold stop() for 60 s.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Stop the server and drop open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def add(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml",
        status: int = 200,
        headers: dict[str, str] | None = None,
        *,
        delay: float = 0.0,
        gzip: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Route:
        """Serve ``body`` on ``path``; with ``etag``/``last_modified`` it answers 304 when due."""
        route = Route(
            body=body,
            content_type=content_type,
            status=status,
            headers=dict(headers or {}),
            delay=delay,
            gzip=gzip,
            etag=etag,
            last_modified=last_modified,
        )
        self.routes["/" + path.lstrip("/")] = route
        return route

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path on this server or a full URL)."""
        self.routes["/" + path.lstrip("/")] = Route(status=status, redirect_to=to)

    def hits(self, path: str) -> int:
        """How many requests arrived for ``path``."""
        return self.requests["/" + path.lstrip("/")]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests[request.path] += 1
        self.request_headers.append((request.path, dict(request.headers)))
        route = self.routes.get(request.path) or self._corpus_route(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.delay:
            await asyncio.sleep(route.delay)
        if route.redirect_to is not None:
            target = route.redirect_to
            if target.startswith("/"):
                target = self.url(target)
            return web.Response(status=route.status, headers={"Location": target})
        validators: dict[str, str] = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        if route.status == 200 and self._not_modified(request, route):
            return web.Response(status=304, headers=validators)
        body = route.body
        headers = {**validators, **route.headers}
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        response = web.Response(status=route.status, body=body, headers=headers)
        response.content_type = route.content_type
        return response

    @staticmethod
    def _not_modified(request: web.Request, route: Route) -> bool:
        if route.etag and request.headers.get("If-None-Match") == route.etag:
            return True
        since = request.headers.get("If-Modified-Since")
        if route.last_modified and since and not route.etag:
            try:
                return parsedate_to_datetime(since) >= parsedate_to_datetime(route.last_modified)
            except (TypeError, ValueError):
                return False
        return False

    def _corpus_route(self, path: str) -> Route | None:
        if self.corpus is None or not path.startswith("/corpus/"):
            return None
        file = (self.corpus / path.removeprefix("/corpus/")).resolve()
        if not file.is_relative_to(self.corpus.resolve()) or not file.is_file():
            return None
        kind = "application/json" if file.suffix == ".json" else "application/xml"
        stat = file.stat()
        return Route(
            body=file.read_bytes(),
            content_type=kind,
            etag=f'"{stat.st_size:x}-{int(stat.st_mtime):x}"',
            last_modified=formatdate(stat.st_mtime, usegmt=True),
        )


# ----------------------------------------------------------------------------------------------
# Standalone
# ----------------------------------------------------------------------------------------------

# Sample headlines for /news.xml: {title: hours ago}.
SAMPLE_NEWS = {
    "Iran and the IAEA agree on new inspections in Tehran": 1,
    "Oil prices rise as Iran talks stall": 2,
    "Floods close roads across northern Iraq": 3,
    "Syria: aid convoy reaches Hasakah": 4,
    "Champions League: late goal settles the derby": 5,
    "Markets: tech shares lead a quiet day": 6,
}


async def _serve(port: int, corpus: Path | None) -> None:
    from tests.support.feeds import rss

    server = FeedServer(corpus)
    server.add("/news.xml", rss(SAMPLE_NEWS, title="Sample News"))
    await server.start(port)
    print(f"Feed server on http://127.0.0.1:{server.port}")
    print(f"  sample feed: {server.url('/news.xml')}")
    if corpus is not None:
        print(f"  corpus:      {server.url('/corpus/feeds/')}NAME (the files in {corpus}/feeds)")
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Feeds on 127.0.0.1 for trying the bot offline")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument(
        "--corpus", type=Path, default=None, help="also serve this folder under /corpus/"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.corpus))


if __name__ == "__main__":
    main()
