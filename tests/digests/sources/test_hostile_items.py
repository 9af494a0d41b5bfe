"""Hostile items among good ones: every good item is read and stored, the bad ones cost nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from digests.db import Database
from digests.models import Article, Source
from digests.sources.fetch import Fetcher
from digests.sources.parse import parse_feed
from digests.sources.register import register_source
from digests.sources.update import update_source
from tests.support.feeds import HOSTILE_RSS_ITEMS, HOSTILE_TITLES, add_feed_source, hostile_rss
from tests.support.feedserver import FeedServer

NOW = datetime(2026, 2, 18, 8, 0, tzinfo=UTC)
BASE = "https://feeds.example.org/feed.xml"

GOOD = {f"https://example.org/good/{n}" for n in range(len(HOSTILE_RSS_ITEMS) + 1)}


def test_hostile_rss_items_cost_none_of_the_good_ones() -> None:
    feed = parse_feed(hostile_rss(), url=BASE)
    titles = {e.url: e.title for e in feed.entries}
    assert titles.keys() >= GOOD
    assert all(titles[url] == f"Good story {url.rsplit('/', 1)[1]}" for url in GOOD)
    for url, title in HOSTILE_TITLES.items():
        assert " ".join(titles[url].split()) == title
    assert feed.title == "Hostile News"


def test_hostile_json_feed_items_cost_none_of_the_good_ones() -> None:
    items: list[object] = [
        {"id": "1", "url": "https://example.org/1", "title": "Good one"},
        {"id": "2", "url": "https://example.org/2", "title": "Surrogate \ud800 in JSON"},
        "not an item",
        {"id": {"nested": True}, "url": 5, "title": ["list"]},
        {"id": "3", "url": "http://[broken", "title": "Broken link"},
        {"id": "4", "url": "https://example.org/4", "title": "RLO \u202eevil", "date_published": 7},
        {"id": "5", "url": "https://example.org/5", "title": "Good two"},
    ]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    feed = parse_feed(body, url=BASE)
    titles = {e.url: e.title for e in feed.entries}
    assert titles["https://example.org/1"] == "Good one"
    assert titles["https://example.org/5"] == "Good two"
    assert titles["https://example.org/2"] == "Surrogate in JSON"
    assert titles["https://example.org/4"] == "RLO evil"


async def test_every_good_item_of_a_hostile_feed_is_stored(
    db: Database, feed_server: FeedServer
) -> None:
    feed_server.add("/hostile.xml", hostile_rss())
    source_id = await add_feed_source(db, feed_server.url("/hostile.xml"), "Hostile", now=NOW)
    async with Fetcher() as fetcher:
        report, ids = await update_source(db, fetcher, source_id, now=NOW, allow_private=True)
    assert report.ok, report.error
    async with db.transaction() as session:
        stored = dict((await session.execute(select(Article.url, Article.title))).all())
        health = await session.get(Source, source_id)
        assert health is not None and health.last_error is None
    assert stored.keys() >= GOOD
    for url, title in HOSTILE_TITLES.items():
        assert " ".join(stored[url].split()) == title
    assert len(ids) == len(stored)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Evil \u202egnp.exe", "Evil gnp.exe"),
        ("Tab\there\x00 \u2066x\u2069", "Tab here x"),
        (None, "Hostile News"),
    ],
)
async def test_source_names_lose_controls_and_overrides(
    db: Database, feed_server: FeedServer, name: str | None, shown: str
) -> None:
    feed_server.add("/named.xml", hostile_rss())
    async with Fetcher() as fetcher:
        info, _ = await register_source(
            db, fetcher, url=feed_server.url("/named.xml"), name=name, allow_private=True, now=NOW
        )
    assert info.name == shown
