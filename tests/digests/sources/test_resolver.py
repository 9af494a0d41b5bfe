"""The connect-time resolver refuses private addresses (DNS rebinding), unless allowed."""

from __future__ import annotations

import pytest

from digests.errors import SourceRefused
from digests.sources import resolver
from digests.sources.fetch import Fetcher
from digests.sources.resolver import GuardedResolver, PrivateAddressRefused
from tests.support.feedserver import FeedServer


async def test_loopback_answer_is_dropped_at_connect_time() -> None:
    guarded = GuardedResolver()
    token = resolver.allow_private_addresses.set(False)
    try:
        with pytest.raises(PrivateAddressRefused):
            await guarded.resolve("localhost", 80)
    finally:
        resolver.allow_private_addresses.reset(token)
        await guarded.close()


async def test_allowed_private_addresses_resolve() -> None:
    guarded = GuardedResolver()
    token = resolver.allow_private_addresses.set(True)
    try:
        found = await guarded.resolve("localhost", 80)
        assert {r["host"] for r in found} & {"127.0.0.1", "::1"}
    finally:
        resolver.allow_private_addresses.reset(token)
        await guarded.close()


async def test_fetch_refuses_a_name_that_turns_private_after_the_guard(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulates rebinding: the pre-fetch guard is told the host is fine, the socket is not."""

    async def guard_says_public(url: str, *, allow_private: bool) -> None:
        return None

    monkeypatch.setattr("digests.sources.fetch.check_url", guard_says_public)
    feed_server.add("/x.xml", b"<rss/>")
    url = feed_server.url("/x.xml").replace("127.0.0.1", "localhost")
    async with Fetcher(timeout=5) as fetcher:
        with pytest.raises(SourceRefused, match="private address"):
            await fetcher.fetch(url, allow_private=False)
        result = await fetcher.fetch(url, allow_private=True)
    assert result.body == b"<rss/>"
