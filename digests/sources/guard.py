"""The private-address check: a source URL must be http(s) and point at the public internet.

Without it, anyone allowed to add a source could make the bot fetch from the machine it runs
on or from the private network around it (server-side request forgery). ``fetch`` calls it
again for every redirect hop, so a public URL cannot bounce the bot to ``127.0.0.1``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from digests.echo import shorten
from digests.errors import FetchError, PrivateAddress, SourceRefused
from digests.i18n import N_

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: IPAddress) -> bool:
    """True if ``address`` is a globally routable unicast address (IPv4-mapped IPv6 unwrapped)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_public_address(mapped)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def split_http_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; SourceRefused for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SourceRefused(N_("not a valid URL: %(url)s"), url=shorten(url)) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceRefused(
            N_("only http:// and https:// URLs can be sources, not %(url)s"), url=shorten(url)
        )
    if not parts.hostname:
        raise SourceRefused(N_("the URL has no host name: %(url)s"), url=shorten(url))
    if not parts.hostname.isprintable() or " " in parts.hostname:
        raise SourceRefused(N_("not a valid URL: %(url)s"), url=shorten(url))
    default = 443 if parts.scheme.lower() == "https" else 80
    return parts.hostname, port or default


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise SourceRefused unless ``url`` is http(s) and every address of its host is public.

    The host name is resolved asynchronously; a name that does not resolve is a FetchError
    (the source is unreachable, not forbidden). With ``allow_private`` only the scheme is
    checked: that switch exists for tests and for bots that read an intranet on purpose.
    """
    host, port = split_http_url(url)
    if allow_private:
        return
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(N_("cannot resolve host name %(host)s"), host=host) from exc
        # Scope ids ("fe80::1%eth0") are dropped: the address itself decides.
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    for address in addresses:
        if not is_public_address(address):
            raise PrivateAddress(
                N_(
                    "%(host)s points to a private or local address (%(address)s); "
                    "sources must be on the public internet (ALLOW_PRIVATE_SOURCES=true allows it)"
                ),
                host=host,
                address=str(address),
            )
