"""Fetcher against a real local HTTP server: caching, caps, timeouts, redirects, gzip."""

from __future__ import annotations

import asyncio

import pytest

from digests.errors import FetchError, SourceError, SourceRefused
from digests.sources.fetch import USER_AGENT, Fetcher
from tests.support.feedserver import FeedServer

BBC = "/corpus/feeds/ffp-bbc-news-world.xml"


async def test_second_fetch_with_validators_is_not_modified(feed_server: FeedServer) -> None:
    async with Fetcher() as fetcher:
        first = await fetcher.fetch(feed_server.url(BBC), allow_private=True)
        assert first.status == 200 and b"BBC News" in first.body
        assert first.etag and first.last_modified
        second = await fetcher.fetch(
            feed_server.url(BBC),
            allow_private=True,
            etag=first.etag,
            last_modified=first.last_modified,
        )
    assert second.not_modified and second.body == b""
    assert feed_server.hits(BBC) == 2
    assert feed_server.request_headers[0][1]["User-Agent"] == USER_AGENT


async def test_last_modified_alone_gives_304(feed_server: FeedServer) -> None:
    feed_server.add("/lm.xml", b"<rss/>", last_modified="Tue, 17 Feb 2026 18:00:00 GMT")
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(
            feed_server.url("/lm.xml"),
            allow_private=True,
            last_modified="Tue, 17 Feb 2026 18:00:00 GMT",
        )
    assert result.not_modified


async def test_body_over_the_cap_is_refused(feed_server: FeedServer) -> None:
    feed_server.add("/big.xml", b"x" * 50_000)
    async with Fetcher(max_bytes=10_000) as fetcher:
        with pytest.raises(FetchError, match="larger than 10 kB"):
            await fetcher.fetch(feed_server.url("/big.xml"), allow_private=True)


async def test_gzip_bomb_is_capped_after_decompression(feed_server: FeedServer) -> None:
    feed_server.add("/bomb.xml", b"\0" * 2_000_000, gzip=True)
    async with Fetcher(max_bytes=100_000) as fetcher:
        with pytest.raises(FetchError, match="larger than 100 kB"):
            await fetcher.fetch(feed_server.url("/bomb.xml"), allow_private=True)


async def test_gzip_body_is_decoded(feed_server: FeedServer) -> None:
    feed_server.add("/gz.xml", b"<rss>hello gzip</rss>", gzip=True)
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(feed_server.url("/gz.xml"), allow_private=True)
    assert result.body == b"<rss>hello gzip</rss>"


async def test_slow_server_times_out(feed_server: FeedServer) -> None:
    feed_server.add("/slow.xml", b"<rss/>", delay=2.0)
    async with Fetcher(timeout=0.3) as fetcher:
        with pytest.raises(FetchError, match=r"timed out after 0.3 s"):
            await fetcher.fetch(feed_server.url("/slow.xml"), allow_private=True)


async def test_http_error_status_is_a_short_message(feed_server: FeedServer) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"^HTTP 404 Not Found$"):
            await fetcher.fetch(feed_server.url("/missing.xml"), allow_private=True)


async def test_redirects_are_followed(feed_server: FeedServer) -> None:
    feed_server.redirect("/old.xml", BBC, status=301)
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(feed_server.url("/old.xml"), allow_private=True)
    assert result.url == feed_server.url(BBC)
    assert b"BBC News" in result.body


async def test_redirect_loop_hits_the_cap(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b")
    feed_server.redirect("/b", "/a")
    async with Fetcher(max_redirects=3) as fetcher:
        with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
            await fetcher.fetch(feed_server.url("/a"), allow_private=True)
    assert feed_server.hits("/a") + feed_server.hits("/b") == 4


async def test_redirect_to_a_private_address_is_refused(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first hop is a "public" host: the guard is told 127.0.0.1 is public only for the
    # first URL, as a DNS name pointing at a public server would be; the hop to localhost is not.
    from digests.sources import fetch as fetch_module
    from digests.sources import guard

    real_check = guard.check_url
    first = feed_server.url("/start")

    async def check(url: str, *, allow_private: bool) -> None:
        await real_check(url, allow_private=allow_private or url == first)

    monkeypatch.setattr(fetch_module, "check_url", check)
    feed_server.redirect("/start", "http://localhost:1/internal")
    async with Fetcher() as fetcher:
        with pytest.raises(SourceRefused, match="private or local"):
            await fetcher.fetch(first, allow_private=False)
    assert feed_server.hits("/start") == 1


async def test_private_source_is_refused_before_any_request(feed_server: FeedServer) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(SourceRefused):
            await fetcher.fetch(feed_server.url(BBC), allow_private=False)
    assert feed_server.hits(BBC) == 0


async def test_unreachable_host_is_a_fetch_error() -> None:
    async with Fetcher(timeout=5) as fetcher:
        with pytest.raises(FetchError, match="cannot connect"):
            await fetcher.fetch("http://127.0.0.1:1/feed", allow_private=True)


async def test_per_host_limit_caps_parallel_requests(feed_server: FeedServer) -> None:
    active = 0
    peak = 0
    original = feed_server._handle

    async def counting(request):  # type: ignore[no-untyped-def]
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        try:
            await asyncio.sleep(0.05)
            return await original(request)
        finally:
            active -= 1

    feed_server._handle = counting  # type: ignore[method-assign]
    await feed_server.stop()
    await feed_server.start()
    async with Fetcher(per_host=2) as fetcher:
        await asyncio.gather(
            *(fetcher.fetch(feed_server.url(BBC), allow_private=True) for _ in range(6))
        )
    assert peak == 2


@pytest.mark.parametrize(
    "location",
    ["http://example.com:notaport/x", "http://[::1/x", "http://example.com:99999/x"],
)
async def test_redirect_to_a_malformed_url_is_a_fetch_error(
    feed_server: FeedServer, location: str
) -> None:
    feed_server.redirect("/moved.xml", location)
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"^HTTP 302 redirect to a malformed URL: "):
            await fetcher.fetch(feed_server.url("/moved.xml"), allow_private=True)


@pytest.mark.parametrize("url", ["http://exa mple.com/x", "http://127.0.0.1:notaport/x"])
async def test_a_malformed_url_is_a_readable_source_error(url: str) -> None:
    async with Fetcher(timeout=5) as fetcher:
        with pytest.raises(SourceError, match="not a valid URL"):
            await fetcher.fetch(url, allow_private=True)
