"""The private-address guard refuses local and private targets unless allowed."""

from __future__ import annotations

import pytest

from digests.errors import SourceRefused
from digests.sources.guard import check_url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://10.1.2.3/feed",
        "http://192.168.0.10/",
        "http://[::1]/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fe80::1]/",
        "http://localhost:8080/feed",
    ],
)
async def test_private_and_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(SourceRefused, match="private or local"):
        await check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://127.0.0.1/feed", "http://localhost/", "http://[::1]/"])
async def test_allow_private_lets_them_through(url: str) -> None:
    await check_url(url, allow_private=True)


async def test_public_address_is_accepted() -> None:
    await check_url("https://8.8.8.8/feed.xml", allow_private=False)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/feed", "file:///etc/passwd", "example", "http://"]
)
async def test_non_http_urls_are_refused_even_when_private_is_allowed(url: str) -> None:
    with pytest.raises(SourceRefused):
        await check_url(url, allow_private=True)
