"""The kinds of work one ``newsbot run`` process does, each started and stopped by the runner.

A role is the unit a process owns or stands by for: sending the outbox, the clock that fetches
and ticks, receiving updates (long polling or a webhook). The runner starts roles in order and
stops them in reverse; ``active`` is what ``/readyz`` and ``/metrics`` report, so a role that
waits for a lease can say "standby".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from telegram import Update

from bot.types import App
from digests.delivery import Delivery
from digests.leases import Lease, serve_role
from digests.scheduler import NewsScheduler

log = logging.getLogger(__name__)


class Role(Protocol):
    """Something a process does in the background between start and stop."""

    name: str

    @property
    def active(self) -> bool:
        """True while this process does the work (False: standing by, or stopped)."""
        ...

    async def start(self) -> None:
        """Begin; return soon (long work goes in a task)."""
        ...

    async def stop(self) -> None:
        """End, finishing or handing back work in progress."""
        ...


class SenderRole:
    """Drains the outbox with one :class:`~digests.delivery.Delivery` while this process holds
    the sender lease; stands by (and takes over when the holder dies) otherwise."""

    name = "sender"

    def __init__(self, delivery: Delivery, lease: Lease) -> None:
        self.delivery = delivery
        self.lease = lease
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self._task is not None and not self._task.done() and self.lease.held

    async def start(self) -> None:
        # A first try here, so a process that is to send is the sender before it receives.
        try:
            await self.lease.try_take()
        except Exception as exc:
            log.warning("sender: could not reach the database to take the role (%s)", exc)
        self._task = asyncio.create_task(
            serve_role(self.lease, self._stop, self.delivery.run), name="delivery"
        )

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


class ClockRole:
    """Fetches sources on their intervals and runs the digest tick every minute."""

    name = "scheduler"

    def __init__(self, scheduler: NewsScheduler) -> None:
        self._scheduler = scheduler
        self._running = False

    @property
    def active(self) -> bool:
        return self._running

    async def start(self) -> None:
        self._scheduler.start()
        self._running = True

    async def stop(self) -> None:
        await self._scheduler.stop()
        self._running = False


class PollingRole:
    """Receives updates by long polling while this process holds the poller lease.

    Telegram answers a second ``getUpdates`` client on the same token with 409 Conflict, so
    among several processes one polls and the others stand by; when the poller dies, one of
    them takes over within about 1.2 × the lease's TTL.
    """

    name = "poller"

    def __init__(self, application: App, lease: Lease) -> None:
        self._application = application
        self.lease = lease
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        updater = self._application.updater
        return updater is not None and updater.running

    async def start(self) -> None:
        # A first try here, so a lone process polls as soon as start() returns.
        try:
            taken = await self.lease.try_take()
        except Exception as exc:
            log.warning("poller: could not reach the database to take the role (%s)", exc)
            taken = False
        if taken:
            await self._start_polling()
        self._task = asyncio.create_task(serve_role(self.lease, self._stop, self._poll))

    async def _start_polling(self) -> None:
        updater = self._application.updater
        assert updater is not None
        if not updater.running:
            await updater.start_polling(
                allowed_updates=Update.ALL_TYPES, drop_pending_updates=False
            )

    async def _poll(self, quit_role: asyncio.Event) -> None:
        await self._start_polling()
        try:
            await quit_role.wait()
        finally:
            await self._stop_polling()

    async def _stop_polling(self) -> None:
        updater = self._application.updater
        if updater is not None and updater.running:
            await updater.stop()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self._stop_polling()


class WebhookRole:
    """Receives updates by webhook: tells Telegram where to post them (the server serves them).

    Several front ends may run behind a load balancer; each sets the same webhook, and none
    deletes it at stop, so the others keep receiving.
    """

    name = "webhook"

    def __init__(self, application: App, url: str, secret: str) -> None:
        self._application = application
        self._url = url
        self._secret = secret
        self._running = False

    @property
    def active(self) -> bool:
        return self._running

    async def start(self) -> None:
        await self._application.bot.set_webhook(
            self._url, secret_token=self._secret, allowed_updates=Update.ALL_TYPES
        )
        log.info("webhook set: Telegram posts updates to %s", self._url)
        self._running = True

    async def stop(self) -> None:
        self._running = False
