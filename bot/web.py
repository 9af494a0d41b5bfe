"""The process's HTTP server: Telegram's webhook (in webhook mode) and the operators' pages.

``/healthz`` answers 200 while the event loop runs; ``/readyz`` 200 or 503 with a JSON report
(see :mod:`bot.health`); ``/metrics`` the Prometheus exposition (see :mod:`bot.metrics`).
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.health import Readiness
from bot.metrics import CONTENT_TYPE, Metrics
from bot.webhook import MAX_BODY, WebhookReceiver

log = logging.getLogger(__name__)


class WebServer:
    """Serves the routes on ``host:port`` between :meth:`start` and :meth:`stop`."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        readiness: Readiness,
        metrics: Metrics,
        webhook: tuple[str, WebhookReceiver] | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._readiness = readiness
        self._metrics = metrics
        self._webhook = webhook
        self._runner: web.AppRunner | None = None

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_page)
        if self._webhook is not None:
            path, receiver = self._webhook
            app.router.add_post(path, receiver.handle)
        return app

    async def start(self) -> None:
        """Listen; raises OSError when the address is taken."""
        runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("HTTP server on %s:%d", self._host, self.port)

    @property
    def port(self) -> int:
        """The port listened on (the real one when 0 was asked for)."""
        if self._runner is None or not self._runner.addresses:
            return self._port
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening and finish requests in progress."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, _request: web.Request) -> web.Response:
        ready, report = await self._readiness.check()
        return web.json_response({"ready": ready, **report}, status=200 if ready else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        body = await self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
