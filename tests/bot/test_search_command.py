"""/search end to end: feeds fetched over HTTP, a user searches in Telegram and turns pages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

IRAN = {f"Iran update number {n}": n for n in range(1, 26)}
OTHERS = {
    "Quake hits the coast of Chile": 0.5,
    "اشتباكات عنيفة في العِراق": 1.5,
    "Football: derby <tonight> & more": 2.5,
}


# rss() links item i to news.example/i, so the second outlet's copy gets its own link here.
OTHER_PAPER = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Other Paper</title>'
    b"<link>https://other.example/</link><item><title>Quake hits the coast of Chile</title>"
    b"<link>https://other.example/quake</link><guid>quake</guid></item></channel></rss>"
)


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss({**IRAN, **OTHERS}, title="World Wire"))
    # The same quake story from a second outlet: one story, two copies.
    server.add("/other.xml", OTHER_PAPER)
    yield server
    await server.stop()


async def _ingest(harness: Harness, feeds: FeedServer) -> None:
    # One after the other, so the second outlet's copy joins the first one's story.
    for name in ("/world.xml", "/other.xml"):
        summary = await harness.ingest(feeds.url(name))
        assert summary.failed == 0


def _numbers(message: StoredMessage) -> list[int]:
    lines = (message.text or "").splitlines()
    return [int(line.split(".")[0]) for line in lines if line[:1].isdigit() and ". " in line]


async def test_results_come_ten_a_page_and_the_buttons_turn_pages_in_place(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    answer = await harness.send("/search iran")
    text = answer.text or ""
    assert "Search: iran" in text
    assert "page 1 of 3" in text
    assert _numbers(answer) == list(range(1, 11))
    assert "1. Iran update number 1\n" in text  # the newest first
    assert button_labels(answer) == ["▶"]

    await harness.press(answer, button_data(answer, "▶"))
    second = harness.current(answer)
    assert "page 2 of 3" in (second.text or "")
    assert _numbers(second) == list(range(11, 21))
    assert button_labels(second) == ["◀", "▶"]

    await harness.press(second, button_data(second, "▶"))
    third = harness.current(answer)
    assert _numbers(third) == list(range(21, 26))
    assert button_labels(third) == ["◀"]

    await harness.press(third, button_data(third, "◀"))
    assert _numbers(harness.current(answer)) == list(range(11, 21))
    # Every page was an edit of the one answer: the chat holds the command's one reply.
    assert len(harness.server.messages(1001)) == 1


async def test_items_look_like_latest_and_a_story_carried_twice_is_listed_once(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    answer = await harness.send("/search quake chile")
    text = answer.text or ""
    assert text.count("Quake hits the coast of Chile") == 1
    assert "also: " in text  # the other outlet is named under the one item
    assert answer.reply_markup is None or button_labels(answer) == []
    link = [e for e in answer.entities if e.get("type") == "text_link"]
    assert [e["url"] for e in link][:1] in (
        ["https://news.example/25"],
        ["https://other.example/quake"],
    )


async def test_phrases_and_excluded_words_work_as_in_follow(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    phrase = await harness.send('/search "update number 7"')
    assert _numbers(phrase) == [1]
    assert "Iran update number 7" in (phrase.text or "")
    excluded = await harness.send("/search derby -football")
    assert "Nothing found for “derby -football”." in (excluded.text or "")
    html = await harness.send("/search derby")
    assert "Football: derby <tonight> & more" in (html.text or "")


async def test_an_empty_search_says_how_and_no_result_says_so(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    usage = await harness.send("/search")
    assert "/search words" in (usage.text or "")
    assert "since:7d" in (usage.text or "")
    nothing = await harness.send("/search tokyo")
    assert "Nothing found for “tokyo”." in (nothing.text or "")
    bad = await harness.send("/search iran since:someday")
    assert "I can't read since:someday" in (bad.text or "")


async def _send_arabic(harness: Harness, text: str) -> StoredMessage:
    server = harness.server
    mark = server.mark()
    server.inject_message(2002, text, language_code="ar")
    calls = await server.wait_for_call("sendMessage", chat_id=2002, since=mark)
    return harness._stored(calls[0])


async def test_an_arabic_chat_searches_in_arabic_with_prefixes_and_diacritics(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    answer = await _send_arabic(harness, "/search والعراق")
    text = answer.text or ""
    assert "بحث: والعراق" in text
    assert "اشتباكات عنيفة في العِراق" in text
    nothing = await _send_arabic(harness, "/search طوكيو")
    assert "لم أجد شيئًا عن «طوكيو»." in (nothing.text or "")


async def test_a_query_too_long_for_a_button_still_turns_pages(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    # 30 Arabic-free words would fit; this query is 70 bytes, more than a button carries.
    typed = "iran update number -zzzzzzzzzzzz -yyyyyyyyyyyy -xxxxxxxxxxxx -wwwwwwwwww"
    answer = await harness.send(f"/search {typed}")
    assert len(button_data(answer, "▶").encode()) <= 64
    await harness.press(answer, button_data(answer, "▶"))
    assert _numbers(harness.current(answer)) == list(range(11, 21))


async def test_a_forged_page_button_gets_a_short_answer_and_changes_nothing(
    harness: Harness, feeds: FeedServer
) -> None:
    await _ingest(harness, feeds)
    answer = await harness.send("/search iran")
    before = harness.current(answer).text
    reply = await harness.press(answer, "sk:1:AAAAAAAA", expect_edit=False)
    assert reply.params.get("text") == "This button has expired: send /search again."
    assert harness.current(answer).text == before
