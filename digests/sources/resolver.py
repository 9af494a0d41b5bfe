"""A DNS resolver for aiohttp that drops private addresses at connect time.

The guard checks a URL's host before a fetch, but aiohttp resolves the name again when it
connects; a hostile DNS server can answer "public" to the first lookup and "127.0.0.1" to
the second (DNS rebinding). Filtering in the resolver that opens the socket closes that gap.
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from digests.sources.guard import is_public_address

# Set by the fetcher around each request: whether this fetch may reach private addresses.
allow_private_addresses: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "allow_private_addresses", default=False
)


class PrivateAddressRefused(OSError):
    """Raised when every address a host name resolves to is private, loopback or reserved."""


class GuardedResolver(AbstractResolver):
    """Resolves like aiohttp's default, then keeps only public addresses unless allowed."""

    def __init__(self) -> None:
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if allow_private_addresses.get():
            return found
        public = [r for r in found if is_public_address(ipaddress.ip_address(r["host"]))]
        if not public:
            raise PrivateAddressRefused(f"{host} resolves only to private addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "GuardedResolver()"

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - future aiohttp hooks
        return getattr(self._inner, name)
