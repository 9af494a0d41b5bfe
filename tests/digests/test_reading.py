"""An article rendered for the Read button: whole text, within Telegram's limits, cut noted."""

from __future__ import annotations

from datetime import UTC, datetime

from digests.reading import MAX_PARTS, article_messages
from digests.render import Renderer
from digests.split import ENTITY_LIMIT, TEXT_LIMIT, entity_count, visible_length, visible_text
from digests.types import ArticleToRead

RENDERER = Renderer()
WHEN = datetime(2026, 11, 29, 21, 30, tzinfo=UTC)


def _article(text: str, title: str = "Floods <close> roads & more") -> ArticleToRead:
    return ArticleToRead(1, title, "https://news.example/a?x=1&y=2", "Wire & Co", WHEN, text)


def test_a_short_text_is_one_message_with_title_source_local_date_and_link() -> None:
    [message] = article_messages(
        RENDERER, _article("First <b>para</b> & more.\nSecond."), lang="en", timezone="Asia/Baghdad"
    )
    shown = visible_text(message)
    assert shown.startswith("Floods <close> roads & more\nWire & Co · Monday, 30 November 2026")
    assert "First <b>para</b> & more.\n\nSecond." in shown  # feed text stays text
    assert shown.endswith("Read it at Wire & Co")
    assert '<a href="https://news.example/a?x=1&amp;y=2">' in message
    assert "blockquote" not in message  # short: not folded


def test_a_long_text_is_cut_into_parts_within_limits_and_numbered() -> None:
    paragraph = "A sentence with an emoji 🎉 in it. " * 30
    text = "\n".join([paragraph] * 40)  # ~40,000 characters: more than six messages hold
    messages = article_messages(RENDERER, _article(text, "T" * 400), lang="ar", timezone="UTC")
    assert len(messages) == MAX_PARTS
    for number, message in enumerate(messages, start=1):
        assert visible_length(message) <= TEXT_LIMIT
        assert entity_count(message) <= ENTITY_LIMIT
        assert "<blockquote expandable>" in message
        if number > 1:
            assert f"الجزء {number} من {MAX_PARTS}" in visible_text(message)
    assert "بقية المقال في الرابط." in visible_text(messages[-1])


def test_a_text_stored_shortened_says_the_rest_is_at_the_link() -> None:
    [message] = article_messages(
        RENDERER, _article("Only the start of a long story…"), lang="en", timezone="UTC"
    )
    assert "The rest of the article is at the link." in visible_text(message)
