"""HTTP fetching of sources: bounded in time, size, redirects and per-host concurrency.

Redirects are followed by hand so that the private-address guard sees every hop. Conditional
GET (ETag / Last-Modified) turns an unchanged feed into a cheap 304.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType

import aiohttp
from yarl import URL

from digests.errors import FetchError, PrivateAddress, TooLarge
from digests.i18n import N_
from digests.sources.guard import check_url, split_http_url
from digests.sources.resolver import (
    GuardedResolver,
    PrivateAddressRefused,
    allow_private_addresses,
)

log = logging.getLogger(__name__)

USER_AGENT = "newsbot/0.1 (Telegram news digest bot; reads public RSS/Atom/JSON feeds)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(slots=True)
class _HostSlot:
    gate: asyncio.Semaphore
    users: int = 0


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch returned: the body (empty if not modified) and the cache validators."""

    url: str
    status: int
    body: bytes = b""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """True if the server answered 304: nothing changed since the validators were given."""
        return self.status == 304


def _redirect_target(base: URL, location: str, status: int) -> str:
    """The absolute URL a redirect points to; FetchError when ``Location`` is not a URL."""
    try:
        return str(base.join(URL(location)))
    except (ValueError, TypeError):
        raise FetchError(
            N_("HTTP %(status)d redirect to a malformed URL: %(url)s"),
            status=status,
            url=_shown(location),
        ) from None


def _http_error(status: int, reason: str | None) -> FetchError:
    """The error for a status that is not 200/304: the English line (logs, ``last_error``)
    keeps the server's reason phrase, which is English; a chat is told the code in its
    language."""
    error = FetchError(N_("HTTP %(status)d"), status=status)
    if reason:
        error.args = (f"HTTP {status} {reason}",)
    return error


def _shown(url: str) -> str:
    """``url`` as an error message may quote it: short, on one line."""
    url = " ".join(url.split())
    return url if len(url) <= 200 else url[:199] + "…"


def human_size(size: int) -> str:
    """``5000000`` → ``"5 MB"``: sizes as people read them in error messages."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


class Fetcher:
    """Fetches URLs with one shared aiohttp session; use ``async with Fetcher(...)``.

    ``timeout`` bounds a whole fetch (every redirect hop and the body), not one socket read.
    At most ``per_host`` requests run against one host name at a time; waiting for a slot
    does not count against the timeout.
    """

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        max_bytes: int = 5_000_000,
        per_host: int = 2,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self._per_host = per_host
        # Per-host gates, kept only while a request holds or awaits one: bounded by the
        # requests in flight, not by every host ever fetched (page links reach many).
        self._slots: dict[str, _HostSlot] = {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session; the fetcher can be used again afterwards."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """One of the ``per_host`` places for requests to ``host``."""
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = _HostSlot(asyncio.Semaphore(self._per_host))
        slot.users += 1
        try:
            async with slot.gate:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._slots[host]

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(resolver=GuardedResolver()),
                headers={"User-Agent": self.user_agent, "Accept": ACCEPT},
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
            )
        return self._session

    async def fetch(
        self,
        url: str,
        *,
        allow_private: bool,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url``; FetchResult on 200 or 304, FetchError/SourceRefused otherwise.

        Every hop is checked by the guard first, so a redirect to a private address is
        refused unless ``allow_private``.
        """
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        loop = asyncio.get_running_loop()
        allow_private_addresses.set(allow_private)  # read by the resolver at connect time
        deadline: float | None = None
        current = url
        for _hop in range(self.max_redirects + 1):
            await check_url(current, allow_private=allow_private)
            host = split_http_url(current)[0].lower()
            async with self._slot(host):
                if deadline is None:
                    deadline = loop.time() + self.timeout
                try:
                    async with asyncio.timeout_at(deadline):
                        result, location = await self._get(current, headers)
                except TimeoutError:
                    raise FetchError(
                        N_("timed out after %(seconds)s s"), seconds=f"{self.timeout:g}"
                    ) from None
                except aiohttp.ClientConnectorError as exc:
                    if isinstance(exc.os_error, PrivateAddressRefused):
                        raise PrivateAddress(
                            N_(
                                "%(host)s resolves to a private address; refused "
                                "(set ALLOW_PRIVATE_SOURCES=true to allow)"
                            ),
                            host=host,
                        ) from None
                    raise FetchError(N_("cannot connect to %(host)s"), host=host) from None
                except aiohttp.InvalidURL:
                    raise FetchError(N_("not a valid URL: %(url)s"), url=_shown(current)) from None
                except aiohttp.ClientError as exc:
                    raise FetchError(
                        N_("network error: %(kind)s"), kind=type(exc).__name__
                    ) from None
                except ValueError:  # yarl's verdict on a URL the guard let through
                    raise FetchError(N_("not a valid URL: %(url)s"), url=_shown(current)) from None
            if result is not None:
                return result
            assert location is not None
            current = location
        raise FetchError(N_("too many redirects (more than %(max)d)"), max=self.max_redirects)

    async def _get(
        self, url: str, headers: dict[str, str]
    ) -> tuple[FetchResult | None, str | None]:
        """One request: (result, None), or (None, next URL) for a redirect."""
        async with self._client().get(url, headers=headers, allow_redirects=False) as response:
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(
                        N_("HTTP %(status)d redirect without a Location"),
                        status=response.status,
                    )
                return None, _redirect_target(response.url, location, response.status)
            etag = response.headers.get("ETag")
            last_modified = response.headers.get("Last-Modified")
            if response.status == 304:
                return FetchResult(url, 304, etag=etag, last_modified=last_modified), None
            if response.status != 200:
                raise _http_error(response.status, response.reason)
            if (response.content_length or 0) > self.max_bytes:
                raise TooLarge(N_("larger than %(size)s"), size=human_size(self.max_bytes))
            body = await self._read_capped(response)
            return (
                FetchResult(
                    url=url,
                    status=200,
                    body=body,
                    content_type=response.content_type,
                    charset=response.charset,
                    etag=etag,
                    last_modified=last_modified,
                ),
                None,
            )

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        """The (decompressed) body, reading no further than one chunk past the cap."""
        parts: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge(N_("larger than %(size)s"), size=human_size(self.max_bytes))
            parts.append(chunk)
        return b"".join(parts)
