"""End to end: a chat follows its own keywords in Telegram, previews, saves, reads, removes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from digests import personal_topics
from digests.settings import Settings
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.botapi import StoredMessage
from tests.support.feeds import rss
from tests.support.feedserver import FeedServer

HEADLINES = {
    # title: hours ago
    "Hasakah prison: 7 killed & dozens escape": 5,
    "Football: Hasakah prison FC wins the derby": 4,
    "Pentagon says ISIS fighters still held": 3,
    "Weather: sun over Damascus": 2,
    "Markets close higher": 1,
}
ALICE = 1001
BOB = 2002
GROUP = -100777
ADMIN_USER = 501
MEMBER_USER = 502
FOLLOW = "/follow “hasakah prison” isis -football"  # as Telegram clients type the quotes
NAME = "“hasakah prison” isis -football"

TOO_LONG = (
    "That is too long: a keyword topic has at most 10 words or phrases, 64 characters in all."
)


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    await server.start()
    server.add("/world.xml", rss(HEADLINES))
    yield server
    await server.stop()


async def _fetch_news(harness: Harness, feeds: FeedServer) -> None:
    summary = await harness.ingest(feeds.url("/world.xml"), topics={"Weather": "weather"})
    assert summary.new_articles == len(HEADLINES)


def _numbered(message: StoredMessage) -> list[str]:
    return [line for line in (message.text or "").splitlines() if line[:2] in {"1.", "2.", "3."}]


async def _follow_and_save(harness: Harness, text: str, chat_id: int = ALICE) -> StoredMessage:
    preview = await harness.send(text, chat_id=chat_id)
    await harness.press(preview, button_data(preview, "Save"))
    return harness.current(preview)


async def test_follow_previews_saves_lists_reads_and_unfollows(
    harness: Harness, feeds: FeedServer
) -> None:
    await _fetch_news(harness, feeds)

    preview = await harness.send(FOLLOW)
    text = preview.text or ""
    assert text.splitlines()[:2] == [
        f"Follow “{NAME}”?",
        "Looking for: hasakah prison, isis; leaving out: football",
    ]
    assert "It would have matched 2 of the last 5 articles:" in text
    pentagon = "• Pentagon says ISIS fighters still held\nExample & Co News · 3 h ago"
    assert f"{pentagon}\nmatched: isis" in text
    assert "• Hasakah prison: 7 killed & dozens escape" in text
    assert "matched: hasakah prison" in text
    assert "Football" not in text and "Weather" not in text
    assert button_labels(preview) == ["Save", "Cancel"]
    assert all(len(button_data(preview, b).encode()) <= 64 for b in ("Save", "Cancel"))
    assert await personal_topics.following(harness.db, ALICE) == []  # nothing saved yet

    answer = await harness.press(preview, button_data(preview, "Save"))
    assert answer.params.get("text") == f"Following {NAME}"
    saved = harness.current(preview)
    assert (saved.text or "").startswith(f"Following “{NAME}”. 2 articles of the last 30 days")
    assert button_labels(saved) == ["🔕 Alert: off"]  # the one button: switch to an alert

    listing = await harness.send("/following")
    assert _numbered(listing) == [f"1. {NAME}"]
    assert button_labels(listing) == [f"✖ 1. {NAME}", "🔕 Alert: off"]

    latest = await harness.send("/latest")
    assert _numbered(latest) == [
        "1. Pentagon says ISIS fighters still held",
        "2. Hasakah prison: 7 killed & dozens escape",
    ]
    lines = (latest.text or "").splitlines()
    assert "matched: isis" in lines
    assert "matched: hasakah prison" in lines

    # The curated picker never shows it.
    picker = await harness.send("/topics")
    assert button_labels(picker) == ["Weather"]

    removed = await harness.send("/unfollow 1")
    assert removed.text == f"Unfollowed “{NAME}”."
    assert "You follow no keyword topics" in ((await harness.send("/following")).text or "")
    assert "You don't follow any topics yet" in ((await harness.send("/latest")).text or "")


async def test_the_remove_button_edits_the_list_in_place(
    harness: Harness, feeds: FeedServer
) -> None:
    await _fetch_news(harness, feeds)
    await _follow_and_save(harness, "/follow isis")
    await _follow_and_save(harness, '/follow "hasakah prison"')
    listing = await harness.send("/following")
    assert button_labels(listing) == [
        "✖ 1. isis", "🔕 Alert: off", '✖ 2. "hasakah prison"', "🔕 Alert: off"
    ]  # fmt: skip

    answer = await harness.press(listing, button_data(listing, "isis"))
    assert answer.params.get("text") == "Unfollowed isis"
    after = harness.current(listing)
    assert _numbered(after) == ['1. "hasakah prison"']
    assert button_labels(after) == ['✖ 1. "hasakah prison"', "🔕 Alert: off"]
    latest = await harness.send("/latest")
    assert _numbered(latest) == [
        "1. Football: Hasakah prison FC wins the derby",
        "2. Hasakah prison: 7 killed & dozens escape",
    ]


async def test_unfollow_by_words_in_another_order(harness: Harness) -> None:
    await _follow_and_save(harness, FOLLOW)
    reply = await harness.send('/unfollow isis -football "hasakah prison"')
    assert reply.text == f"Unfollowed “{NAME}”."
    missing = await harness.send("/unfollow nba")
    assert missing.text == "You don't follow “nba”. See /following."


async def test_cancel_saves_nothing_and_the_button_then_expires(harness: Harness) -> None:
    preview = await harness.send(FOLLOW)
    save = button_data(preview, "Save")
    await harness.press(preview, button_data(preview, "Cancel"))
    assert harness.current(preview).text == "Not saved."
    late = await harness.press(preview, save, expect_edit=False)
    assert late.params.get("text") == "This button has expired."
    assert await personal_topics.following(harness.db, ALICE) == []


async def test_forged_callback_data_is_refused(harness: Harness) -> None:
    preview = await harness.send(FOLLOW)
    for forged in ["pf:save:AAAAAAAA", "pf:save:", "pf:save:../../x", "pf:yes:AAAAAAAA", "pu:x"]:
        answer = await harness.press(preview, forged, expect_edit=False)
        assert answer.params.get("text") == "This button has expired.", forged
    assert await personal_topics.following(harness.db, ALICE) == []

    # A token from another chat's preview does not work here.
    other = await harness.send("/follow nba", chat_id=BOB)
    stolen = button_data(other, "Save")
    answer = await harness.press(preview, stolen, expect_edit=False)
    assert answer.params.get("text") == "This button has expired."
    assert await personal_topics.following(harness.db, ALICE) == []

    # Another chat's topic id in a remove button touches nothing.
    await harness.press(preview, button_data(preview, "Save"))
    [mine] = await personal_topics.following(harness.db, ALICE)
    bobs_list = await harness.send("/following", chat_id=BOB)
    answer = await harness.press(bobs_list, f"pu:{mine.id}", expect_edit=False)
    assert answer.params.get("text") == "That topic is gone already."
    assert await personal_topics.following(harness.db, ALICE) == [mine]


async def test_personal_topics_never_reach_another_chat(
    harness: Harness, feeds: FeedServer
) -> None:
    await _fetch_news(harness, feeds)
    await _follow_and_save(harness, FOLLOW)
    bob_picker = await harness.send("/topics", chat_id=BOB)
    assert button_labels(bob_picker) == ["Weather"]
    bob_latest = await harness.send("/latest", chat_id=BOB)
    assert "You don't follow any topics yet" in (bob_latest.text or "")
    by_name = await harness.send("/latest isis", chat_id=BOB)
    assert (by_name.text or "").startswith("There is no topic called “isis”.")
    assert "You follow no keyword topics" in (
        (await harness.send("/following", chat_id=BOB)).text or ""
    )


async def test_bad_words_get_a_clear_line(harness: Harness) -> None:
    assert (await harness.send("/follow")).text == (
        'Tell me what to follow, e.g. /follow "hasakah prison" isis -football'
    )
    assert (await harness.send("/follow “hasakah prison")).text == (
        "A quote is not closed: put the phrase between two quotes."
    )
    long = await harness.send("/follow " + " ".join(["word"] * 20))
    # Both limits are stated together, as the README states them.
    assert long.text == TOO_LONG
    many = await harness.send("/follow a b c d e f g h i j k")
    assert many.text == TOO_LONG


async def test_the_21st_topic_is_refused_with_the_limit(harness: Harness) -> None:
    settings = Settings()
    chat = ChatRef(ALICE, ChatKind.PRIVATE, "Alice")
    for i in range(personal_topics.MAX_TOPICS_PER_CHAT - 1):
        request = personal_topics.parse_follow(f"word{i}")
        await personal_topics.save_follow(harness.db, chat, request, settings, now=utcnow())
    preview = await harness.send("/follow last one")  # the 20th: still allowed
    await harness.press(preview, button_data(preview, "Save"))
    assert len(await personal_topics.following(harness.db, ALICE)) == 20
    refused = await harness.send("/follow one too many")
    assert refused.text == (
        "You follow 20 keyword topics, the most there can be; remove one with /unfollow first."
    )
    assert refused.reply_markup is None
    again = await harness.send("/follow word3")
    assert again.text == "You follow “word3” already."


async def test_only_group_admins_follow_for_the_group(harness: Harness) -> None:
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    harness.server.set_member_status(GROUP, ADMIN_USER, "administrator")
    harness.server.set_member_status(GROUP, MEMBER_USER, "member")
    refusal = await harness.send(
        "/follow isis", chat_id=GROUP, chat_type="supergroup", user_id=MEMBER_USER
    )
    assert refusal.text == "Only this group's admins can change what it follows."

    preview = await harness.send(
        "/follow isis", chat_id=GROUP, chat_type="supergroup", user_id=ADMIN_USER
    )
    pressed = await harness.press(
        preview,
        button_data(preview, "Save"),
        user_id=MEMBER_USER,
        chat_type="supergroup",
        expect_edit=False,
    )
    assert pressed.params.get("show_alert") is True
    assert await personal_topics.following(harness.db, GROUP) == []
    await harness.press(
        preview, button_data(preview, "Save"), user_id=ADMIN_USER, chat_type="supergroup"
    )
    assert [t.name for t in await personal_topics.following(harness.db, GROUP)] == ["isis"]
    listing = await harness.send(
        "/following", chat_id=GROUP, chat_type="supergroup", user_id=MEMBER_USER
    )
    assert _numbered(listing) == ["1. isis"]


async def test_unfollow_alone_lists_the_keyword_topics_as_buttons_that_remove_them(
    harness: Harness,
) -> None:
    nothing = await harness.send("/unfollow")
    assert (nothing.text or "").startswith("You follow no keyword topics. Add one like this:")
    assert button_labels(nothing) == []
    await _follow_and_save(harness, "/follow isis")
    await _follow_and_save(harness, "/follow damascus")

    picker = await harness.send("/unfollow")
    assert (picker.text or "").splitlines()[:3] == [
        "Which keyword topic should I stop following?",
        "1. isis",
        "2. damascus",
    ]
    assert button_labels(picker) == ["✖ 1. isis", "✖ 2. damascus"]

    answer = await harness.press(picker, button_data(picker, "✖ 1. isis"))
    assert answer.params.get("text") == "Unfollowed isis"
    after = harness.current(picker)
    assert (after.text or "").splitlines()[:4] == [
        "✅ Unfollowed “isis”.",
        "",
        "Your keyword topics",
        "1. damascus",
    ]
    assert button_labels(after) == ["✖ 1. damascus", "🔕 Alert: off"]
    assert [t.name for t in await personal_topics.following(harness.db, ALICE)] == ["damascus"]
