"""Roles one process holds at a time (the sender, the poller), taken over when the owner dies.

A role is a lease row (``store/leases.py``): the owner renews it every ``ttl / 4`` seconds,
a standby tries to take it every ``ttl / 5`` seconds and succeeds once it has expired, so a
killed owner is replaced within about ``1.2 × ttl`` (12 s with the default 10 s). An owner
that cannot renew (the database is unreachable) stops acting before its lease can expire,
so two owners never overlap: it counts its lease from the moment it *asked* to renew.

A process is named ``host/pid/instance``. When a standby sees that the owner ran on its own
host and that process is gone (``kill -9``, a restarted container), it takes over at once
instead of waiting for the expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from digests.db import Database
from digests.store import leases as store

log = logging.getLogger(__name__)

SENDER = "sender"
POLLER = "poller"
DEFAULT_TTL = 10.0


@dataclass(frozen=True, slots=True)
class Owner:
    """Which process holds a role: where it runs, its pid, and a name unique to this start."""

    host: str
    pid: int
    instance: str

    @classmethod
    def this_process(cls, name: str | None = None) -> Owner:
        """This process, on ``name`` (default: the host name; a container's id in Docker)."""
        return cls(name or socket.gethostname(), os.getpid(), secrets.token_hex(4))

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """The owner written as ``host/pid/instance``, or None when it is not in that form."""
        host, _, rest = text.rpartition("/")
        host, _, pid = host.rpartition("/")
        if not host or not pid.isdigit():
            return None
        return cls(host, int(pid), rest)

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.instance}"

    def knows_dead(self, other: Owner) -> bool:
        """True when ``other`` ran on this host and is gone: its pid is dead, or it is an
        earlier start of this very pid (a container restarted as pid 1)."""
        if other.host != self.host or other == self:
            return False
        if other.pid == self.pid:
            return True
        try:
            os.kill(other.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # alive, run by another user
            return False
        return False


class Lease:
    """One role for one process: take it, keep it renewed, notice losing it, give it up."""

    def __init__(
        self,
        db: Database,
        name: str,
        owner: Owner,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.owner = owner
        self.ttl = ttl
        self._db = db
        self._clock = clock
        self._valid_until = 0.0  # monotonic; the lease is ours until then
        self.holder: str | None = None  # the owner last seen holding it (us or another)

    @property
    def held(self) -> bool:
        """Whether this process holds the role now (for readiness and metrics)."""
        return self._clock() < self._valid_until

    @property
    def holder_now(self) -> str | None:
        """Who holds the role as far as this process knows: itself, the holder it last saw
        when it tried to take the role, or None (free, or not known)."""
        me = str(self.owner)
        if self.held:
            return me
        return None if self.holder == me else self.holder

    @property
    def renew_every(self) -> float:
        return self.ttl / 4

    @property
    def retry_every(self) -> float:
        return self.ttl / 5

    async def try_take(self) -> bool:
        """Take the role if nobody live holds it (or we do already); never waits."""
        asked = self._clock()
        async with self._db.transaction() as session:
            seen = await store.holder(session, self.name, lock=True)
            now = await store.database_now(session)
            if seen is not None and seen.owner == str(self.owner):
                expires = await store.renew(session, self.name, seen.owner, ttl=self.ttl)
            elif seen is None or self._free(seen, now):
                expires = await store.take(
                    session, self.name, str(self.owner), ttl=self.ttl, replacing=seen
                )
            else:
                expires = None
        if expires is None:
            self.holder = seen.owner if seen is not None else None
            return False
        self.holder = str(self.owner)
        self._valid_until = asked + self.ttl
        return True

    def _free(self, seen: store.Holder, now: datetime) -> bool:
        if seen.expires_at <= now:
            return True
        other = Owner.parse(seen.owner)
        if other is not None and self.owner.knows_dead(other):
            log.info("%s: its holder %s is gone from this host; taking over", self.name, other)
            return True
        return False

    async def renew(self) -> bool:
        """Extend the lease; False when it is no longer ours (or the database did not answer
        and the lease has run out meanwhile)."""
        asked = self._clock()
        try:
            async with self._db.transaction() as session:
                expires = await store.renew(session, self.name, str(self.owner), ttl=self.ttl)
        except Exception as exc:  # the database is down or dropped us: keep trying until expiry
            log.warning("%s: could not renew the lease (%s)", self.name, exc)
            return self.held
        if expires is None:
            self._valid_until = 0.0
            return False
        self._valid_until = asked + self.ttl
        return True

    async def release(self) -> None:
        """Give the role up at once, so a standby takes it without waiting for the expiry."""
        was_held, self._valid_until = self.held, 0.0
        if not was_held:
            return
        try:
            async with self._db.transaction() as session:
                await store.release(session, self.name, str(self.owner))
        except Exception as exc:  # it expires on its own
            log.warning("%s: could not give the lease up (%s); it expires", self.name, exc)

    async def who_holds(self) -> str | None:
        """The owner holding the role now, or None when it is free."""
        async with self._db.transaction() as session:
            seen = await store.holder(session, self.name)
            now = await store.database_now(session)
        return None if seen is None or self._free(seen, now) else seen.owner

    async def keep(self, stop: asyncio.Event, quit_role: asyncio.Event) -> None:
        """Renew until ``quit_role`` is set; set it when ``stop`` is set or the lease is lost.

        An owner that cannot renew gives the role up while its lease still has
        ``renew_every + ttl / 10`` seconds to run, so it stops acting before anyone else can
        take over.
        """
        margin = self.renew_every + self.ttl / 10
        while not quit_role.is_set():
            await _wait_any((stop, quit_role), self.renew_every)
            if stop.is_set() or quit_role.is_set():
                break
            if not await self.renew() or self._valid_until - self._clock() < margin:
                self._valid_until = 0.0
                break
        quit_role.set()


Work = Callable[[asyncio.Event], Awaitable[None]]


async def serve_role(lease: Lease, stop: asyncio.Event, work: Work) -> None:
    """Stand by until ``lease`` is ours, run ``work`` while it stays ours, and start over.

    ``work`` gets an event that is set when it must stop: ``stop`` was set, or the lease was
    lost (another process took it, or it could not be renewed in time).
    """
    standing_by = False
    while not stop.is_set():
        try:
            taken = await lease.try_take()
        except Exception as exc:
            log.warning("%s: could not reach the database to take the role (%s)", lease.name, exc)
            taken = False
        if not taken:
            if not standing_by:
                log.info("%s: held by %s; standing by", lease.name, lease.holder)
                standing_by = True
            await _wait(stop, lease.retry_every)
            continue
        standing_by = False
        log.info("%s: this process (%s) took the role", lease.name, lease.owner)
        quit_role = asyncio.Event()
        keeper = asyncio.create_task(lease.keep(stop, quit_role), name=f"lease-{lease.name}")
        try:
            await work(quit_role)
        finally:
            quit_role.set()
            await keeper
            if lease.held:
                await lease.release()
            else:
                log.warning("%s: lost the role; standing by", lease.name)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


async def _wait_any(events: tuple[asyncio.Event, ...], seconds: float) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
