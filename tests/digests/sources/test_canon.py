"""canonical_url: one spelling per article URL."""

from __future__ import annotations

import pytest

from digests.sources.canon import canonical_url


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        (
            "https://www.bbc.com/news/x?at_medium=RSS&at_campaign=rss",
            "https://www.bbc.com/news/x",
        ),
        ("https://e.com/a?utm_source=tw&utm_medium=social&id=7", "https://e.com/a?id=7"),
        ("https://e.com/a?fbclid=abc&gclid=def&page=2", "https://e.com/a?page=2"),
        ("https://e.com/a?id=1&b=2", "https://e.com/a?b=2&id=1"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_other_query_params_keep_articles_apart() -> None:
    assert canonical_url("https://e.com/story?id=1") != canonical_url("https://e.com/story?id=2")


def test_same_article_with_tracking_is_one_url() -> None:
    assert canonical_url("https://E.com/s?id=1&utm_campaign=x#top") == canonical_url(
        "https://e.com/s?id=1"
    )


def test_non_http_is_returned_untouched() -> None:
    assert canonical_url(" mailto:a@b.c ") == "mailto:a@b.c"
