"""Every button's callback data is under a registered prefix, unambiguous, and fits in 64 bytes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, time
from types import SimpleNamespace

import pytest
from telegram import InlineKeyboardMarkup

from bot import callbacks, keyboards, mute_keyboards, read_buttons, settings_keyboards
from bot.handlers import (
    admin_sources,
    admin_topics,
    broadcast,
    follow,
    language,
    search,
    user_feeds,
)
from digests.chat_languages import NewsLanguages
from digests.chat_settings import ChatSettings
from digests.i18n import LANGUAGES, translator
from digests.ports import Button, ButtonAction
from digests.schedule import Frequency
from digests.search import SearchPage, SearchQuery
from digests.source_admin import SourceHealth, SourcePage
from digests.types import Headline, OwnedFeed, SourceInfo, TopicChoice, TopicInfo

BIGGEST_ID = 2**31 - 1
LONG_NAME = "ن" * 200  # names never go into the data; a long Arabic one proves it


def _chat(lang: str) -> SimpleNamespace:
    """What the keyboard builders read from a ChatContext: its translations."""
    _ = translator(lang)
    return SimpleNamespace(_=_, ngettext=_.ngettext, lang=lang)


def _source(source_id: int, *, paused: bool) -> SourceInfo:
    return SourceInfo(
        id=source_id,
        name=LONG_NAME,
        url="https://example.com/" + "x" * 2000,
        kind="rss",
        fetch_interval=900,
        paused=paused,
        last_fetch_at=None,
        last_success_at=None,
        last_error=None,
        consecutive_failures=0,
    )


def _keyboards(lang: str) -> list[InlineKeyboardMarkup | None]:
    """Every keyboard the bot sends, built with the largest values its data can carry."""
    chat = _chat(lang)
    choices = [TopicChoice(BIGGEST_ID - i, LONG_NAME, i % 2 == 0) for i in range(200)]
    pages = keyboards.page_count(choices)
    settings = ChatSettings(
        chat_id=-(10**15),
        timezone="America/Argentina/ComodRivadavia",
        digest_times=(time(23, 59),),
        frequency=Frequency.WEEKLY,
        weekly_day=6,
        max_items=30,
        notify_empty=True,
        next_digest_at=datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
    )
    sources = SourcePage(
        items=(
            SourceHealth(_source(BIGGEST_ID, paused=False), 10**9),
            SourceHealth(_source(BIGGEST_ID - 1, paused=True), 0),
        ),
        page=5000,
        pages=10**6,
        total=10**7,
    )
    big_topic = TopicInfo(BIGGEST_ID, LONG_NAME, ("k",), followers=10**9)
    return [
        *(keyboards.topic_picker(choices, page, lang) for page in range(pages)),
        keyboards.stop_confirmation(lang),
        *(
            settings_keyboards.settings_keyboard(settings, view, lang)
            for view in settings_keyboards.View
        ),
        language.ui_language_picker(lang),
        language.news_language_picker(
            NewsLanguages(seen=("en", "ar", "fil"), chosen=("ar",)), lang
        ),
        follow._confirm_keyboard(chat, "A" * 8),
        follow._list_keyboard(chat, [big_topic, replace(big_topic, alert=True)]),  # type: ignore[arg-type]
        admin_sources._page_keyboard(chat, sources),
        admin_sources._removal_keyboard(chat, _source(BIGGEST_ID, paused=False), 10**9),
        broadcast.audience_keyboard(chat, 10**9),
        broadcast.topics_keyboard(chat, [(BIGGEST_ID, LONG_NAME, 10**9)]),
        broadcast.confirm_keyboard(chat, 10**9),
        broadcast.stop_keyboard(BIGGEST_ID, lang),
        mute_keyboards.queued_markup(
            [Button(LONG_NAME, ButtonAction.MUTE_SOURCE, BIGGEST_ID) for _ in range(3)]
        ),
        read_buttons.keyboard(
            read_buttons.numbered(
                [
                    Headline(BIGGEST_ID - i, LONG_NAME, "", "", datetime.now(UTC), readable=True)
                    for i in range(30)
                ],
                lang,
            )
        ),
        mute_keyboards.queued_markup(
            [Button(LONG_NAME, ButtonAction.READ_ARTICLE, BIGGEST_ID) for _ in range(3)]
        ),
        search.keyboard(_search_page("iran " * 9 + "-x", page=98, pages=100)),  # fits inline
        search.keyboard(_search_page(LONG_NAME, page=5000, pages=10**6), "A" * 8),
        user_feeds._keyboard(
            [OwnedFeed(BIGGEST_ID, LONG_NAME, "https://example.com/", False, None, BIGGEST_ID)]
        ),
    ]


def _search_page(text: str, *, page: int, pages: int) -> SearchPage:
    return SearchPage(SearchQuery(text, ((text,),)), (), page, pages)


def _data(markup: InlineKeyboardMarkup | None) -> list[str]:
    assert markup is not None
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def test_no_prefix_shadows_another() -> None:
    prefixes = list(callbacks.OWNERS)
    assert len(prefixes) == len(set(prefixes))
    for prefix in prefixes:
        assert ":" not in prefix and prefix.isascii()
        others = [p for p in prefixes if p != prefix]
        assert not any(re.match(callbacks.pattern(p), prefix + ":x") for p in others), prefix


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_button_data_is_registered_and_fits_in_64_bytes(lang: str) -> None:
    seen: set[str] = set()
    for markup in _keyboards(lang):
        for data in _data(markup):
            assert 1 <= len(data.encode()) <= callbacks.MAX_BYTES, data
            owners = [p for p in callbacks.OWNERS if re.match(callbacks.pattern(p), data)]
            assert len(owners) == 1, (data, owners)
            seen.add(owners[0])
    # The one confirmation not built by a keyboard function above.
    topic_data = admin_topics._data("del", TopicInfo(BIGGEST_ID, LONG_NAME, ("k",)))
    assert len(topic_data.encode()) <= callbacks.MAX_BYTES
    assert re.match(admin_topics.CALLBACK_PATTERN, topic_data)
    seen.add(callbacks.ADMIN_TOPICS)
    assert seen == set(callbacks.OWNERS)


def test_the_codecs_read_back_what_they_wrote() -> None:
    for action in (
        keyboards.ToggleTopic(BIGGEST_ID, 10**9),
        keyboards.TopicsPage(0),
        keyboards.StopAnswer(True),
        keyboards.StopAnswer(False),
    ):
        assert keyboards.decode(keyboards.encode(action)) == action
    for mute in (mute_keyboards.MuteSource(BIGGEST_ID), mute_keyboards.UnmuteSource(0)):
        assert mute_keyboards.decode(mute_keyboards.encode(mute)) == mute
    for turn in (
        search.TurnPage(99, query='"hasakah prison" -football since:7d lang:ar'),
        search.TurnPage(10**6, token="Ab-_0123"),
    ):
        assert search.decode(search.encode(turn)) == turn
    for answer in (follow.FollowAnswer("Ab-_0123", True), follow.RemoveTopic(BIGGEST_ID)):
        assert follow.decode(follow.encode(answer)) == answer
    remove = user_feeds.RemoveFeed(BIGGEST_ID)
    assert user_feeds.decode(user_feeds.encode(remove)) == remove
    button = admin_sources.SourceButton("remove_yes", BIGGEST_ID, 7, "0123abcd")
    assert admin_sources.decode(admin_sources.encode(button)) == button
    assert admin_sources.decode(admin_sources.encode(admin_sources.SourceButton("add"))) == (
        admin_sources.SourceButton("add")
    )


def test_pattern_refuses_a_prefix_not_in_the_registry() -> None:
    with pytest.raises(ValueError, match="not in the registry"):
        callbacks.pattern("zz")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("-1", None),
        ("١٢", None),
        ("", None),
        ("1e3", None),
        ("00000000001", None),
    ],
)
def test_ids_in_callback_data_are_plain_digits_within_32_bits(text: str, value: int | None) -> None:
    assert callbacks.small_int(text) == value


def test_forged_ids_are_refused_by_every_codec() -> None:
    too_big = str(2**31)
    assert keyboards.decode(f"tp:{too_big}:0") is None
    assert mute_keyboards.decode(f"ms:m:{too_big}") is None
    assert mute_keyboards.decode("ms:x:1") is None
    assert follow.decode(f"pu:{too_big}") is None
    assert follow.decode("pu:0") is None
    assert search.decode(f"sq:{too_big}:iran") is None
    assert search.decode("sk:1:short") is None
    assert user_feeds.decode(f"uf:rm:{too_big}") is None
    assert user_feeds.decode("uf:rm:0") is None
    assert admin_sources.decode(f"as:rm:{too_big}:0:0123abcd") is None
    assert admin_topics._decode(f"at:del:{too_big}:0123abcd") is None
    assert admin_topics._decode("at:del:12:0123abcd") == ("del", 12, "0123abcd")
    assert read_buttons.decode(f"rd:{too_big}") is None
    assert read_buttons.decode("rd:12:3") is None
    assert read_buttons.decode(read_buttons.encode(BIGGEST_ID)) == BIGGEST_ID
