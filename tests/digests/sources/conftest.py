"""Fixtures for source tests: a running FeedServer on 127.0.0.1 serving the corpus."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import CORPUS
from tests.support.feedserver import FeedServer


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    """A FeedServer started for one test and stopped after it."""
    server = FeedServer(CORPUS)
    await server.start()
    yield server
    await server.stop()
