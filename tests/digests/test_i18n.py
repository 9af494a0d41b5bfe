"""The bot's texts in English and Arabic: complete catalogs, rendering, chats' languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from sqlalchemy import select

from digests import chat_languages, subscriptions
from digests.db import Database
from digests.errors import InvalidInput
from digests.i18n import LOCALE_DIR, Translator, language_name, supported_language, translations
from digests.models import Article, Chat, Source
from digests.render import Renderer, headline_views, localized_age
from digests.settings import Settings
from digests.store.chat_language import language_clause
from digests.types import ChatKind, ChatRef, Headline
from tests.conftest import ROOT
from tests.support.botapi import parse_html

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(default_timezone="UTC", default_digest_time="08:00")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _extracted() -> tuple[set[str], set[tuple[str, str]]]:
    """Every message in templates and code: those without a plural, and (singular, plural)."""
    with (LOCALE_DIR / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    single: set[str] = set()
    plural: set[tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        if isinstance(message, str):
            single.add(message)
        else:
            plural.add((message[0], message[1]))
    return single, plural


_PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sd]|<[^>]+>|\n")
_SENTENCE_END = re.compile(r"(?<=[.;?!:])\s+")
_NOT_WORDS = " .,;:()“”…·—?!☝️✅⚠️📣🔔🔕⏰🌍📅🔢▶⏸🗑➕⏹‹›"


def english_sentences() -> set[str]:
    """Every sentence of three or more English words in the catalog's message ids."""
    single, plural = _extracted()
    ids = single | {form for pair in plural for form in pair}
    found: set[str] = set()
    for message in ids:
        for part in _PLACEHOLDER_OR_TAG.split(message):
            for sentence in _SENTENCE_END.split(part):
                sentence = sentence.strip(_NOT_WORDS)
                if len(re.findall(r"[A-Za-z]{2,}", sentence)) >= 3:
                    found.add(sentence)
    return found


def _extracted_messages() -> set[str]:
    single, plural = _extracted()
    return single | {one for one, _many in plural}


def test_every_message_in_templates_and_code_has_an_arabic_translation() -> None:
    single, plural = _extracted()
    assert "What I can do" in single  # a template
    assert "This button has expired." in single  # a handler's _("...")
    assert "Not allowed." in single  # an N_("...") in code
    arabic = translations("ar")
    missing = sorted(m for m in single if arabic.gettext(m) == m)
    missing += sorted(one for one, many in plural if arabic.ngettext(one, many, 5) == many)
    assert not missing, (
        f"untranslated: run the commands in digests/i18n.py's docstring and translate {missing}"
    )
    for message in single:
        translated = arabic.gettext(message)
        assert sorted(_PLACEHOLDER.findall(translated)) == sorted(_PLACEHOLDER.findall(message))
    for one, many in plural:
        for n in (0, 1, 2, 5, 11, 100):
            translated = arabic.ngettext(one, many, n)
            assert set(_PLACEHOLDER.findall(translated)) <= set(_PLACEHOLDER.findall(many))


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", "ar"), ("ar-EG", "ar"), ("AR_sa", "ar"), ("en-US", "en"), ("de", "en"), (None, "en")],
)
def test_telegram_language_codes_map_to_a_language_the_bot_speaks(
    code: str | None, expected: str
) -> None:
    assert supported_language(code) == expected


def test_english_is_the_default_and_unchanged() -> None:
    renderer = Renderer()
    hint = "I didn't get that. Try /latest for headlines, /topics to pick topics, or /help."
    assert renderer.render("hint") == hint
    assert renderer.render("hint", lang="en") == hint
    assert renderer.render("hint", lang="de") == hint


def test_arabic_rendering_keeps_rtl_text_and_escapes_values() -> None:
    renderer = Renderer()
    html = renderer.render(
        "unknown_topic", lang="ar-EG", name="<b>سوريا</b> & Iraq", known=["Syria", "سوريا"]
    )
    assert html == (
        "لا يوجد موضوع باسم «&lt;b&gt;سوريا&lt;/b&gt; &amp; Iraq».\nالمواضيع: Syria، سوريا"
    )
    text = parse_html(html).text  # what Telegram shows; raises on HTML it would refuse
    assert text == "لا يوجد موضوع باسم «<b>سوريا</b> & Iraq».\nالمواضيع: Syria، سوريا"


def test_arabic_help_and_start_are_valid_telegram_html() -> None:
    renderer = Renderer()
    help_text = parse_html(renderer.render("help", lang="ar", group=True)).text
    assert help_text.startswith("ما يمكنني فعله\n/topics — اختر المواضيع التي تتابعها")
    assert "في المجموعات، لا يغيّر ما تتابعه المجموعة إلا مشرفوها." in help_text
    start = parse_html(renderer.render("start", lang="ar", title="أحمد", topics=True)).text
    assert start.startswith("مرحبًا أحمد!")


def test_headlines_in_arabic_get_arabic_ages_and_keep_their_titles() -> None:
    headline = Headline(
        article_id=1,
        title="Hasakah prison: 7 killed & dozens escape",
        url="https://news.example/1",
        source_name="Arab Press",
        seen_at=NOW - timedelta(hours=3),
    )
    views = headline_views([headline], NOW, "ar")
    assert views[0].age == "قبل 3 ساعات"
    html = Renderer().render("latest", lang="ar", items=views, follows_nothing=False, topic=None)
    text = parse_html(html).text
    assert text.startswith("أحدث العناوين\n\n1. Hasakah prison: 7 killed & dozens escape")
    assert "Arab Press · قبل 3 ساعات" in text


def test_ages_follow_the_english_units_in_arabic() -> None:
    assert localized_age(NOW - timedelta(seconds=5), NOW, "ar") == "الآن"
    assert localized_age(NOW - timedelta(minutes=5), NOW, "ar") == "قبل 5 دقائق"
    assert localized_age(NOW - timedelta(hours=1), NOW, "ar") == "قبل ساعة واحدة"
    assert localized_age(NOW - timedelta(hours=30), NOW, "ar") == "قبل 30 ساعة"
    assert localized_age(NOW - timedelta(days=3), NOW, "ar") == "قبل 3 أيام"
    assert localized_age(datetime(2025, 5, 3, tzinfo=UTC), NOW, "ar") == "3 مايو"
    assert localized_age(NOW - timedelta(hours=3), NOW, "en") == "3 h ago"


def test_translator_fills_values_after_translating() -> None:
    assert Translator("ar")("Following %(topic)s", topic="Syria") == "تتابع الآن Syria"
    assert Translator("fr")("Following %(topic)s", topic="Syria") == "Following Syria"
    assert language_name("de", in_language="ar") == "الألمانية"
    assert language_name("ar", in_language="en") == "Arabic"
    assert language_name("qq") == "qq"


async def _chat(db: Database, chat_id: int = 7, language: str = "en") -> ChatRef:
    ref = ChatRef(id=chat_id, kind=ChatKind.PRIVATE, title="t", language=language)
    await subscriptions.register_chat(db, ref, SETTINGS, now=NOW)
    return ref


async def test_chat_language_comes_from_registration_then_from_the_choice(db: Database) -> None:
    assert await chat_languages.chat_language(db, 7) is None
    ref = await _chat(db, language="ar-SA")
    assert await chat_languages.chat_language(db, 7) == "ar"
    await chat_languages.set_chat_language(db, ref, "en", SETTINGS, now=NOW)
    assert await chat_languages.chat_language(db, 7) == "en"
    with pytest.raises(InvalidInput):
        await chat_languages.set_chat_language(db, ref, "fr", SETTINGS, now=NOW)


async def test_news_languages_are_cleaned_and_all_is_stored_as_null(db: Database) -> None:
    await _chat(db)
    assert await chat_languages.set_languages(db, 7, [" AR", "en", "ar"], now=NOW) == ["ar", "en"]
    assert await chat_languages.set_languages(db, 7, [], now=NOW) is None
    async with db.transaction() as session:
        unlimited = await session.execute(select(Chat.id).where(Chat.languages.is_(None)))
        assert list(unlimited.scalars()) == [7]
    with pytest.raises(InvalidInput):
        await chat_languages.set_languages(db, 7, ["english"], now=NOW)


async def test_toggling_narrows_from_all_and_back(db: Database) -> None:
    await _chat(db)
    first = await chat_languages.toggle_language(db, 7, "ar", now=NOW)
    assert first.chosen == ("ar",)
    second = await chat_languages.toggle_language(db, 7, "en", now=NOW)
    assert second.chosen == ("ar", "en")
    await chat_languages.toggle_language(db, 7, "ar", now=NOW)
    last = await chat_languages.toggle_language(db, 7, "en", now=NOW)
    assert last.chosen is None  # the last one out means every language again


async def test_language_clause_keeps_chosen_and_undetected_articles(db: Database) -> None:
    async with db.transaction() as session:
        source = Source(url="https://x.example/", name="X", fetch_interval=900, created_at=NOW)
        session.add(source)
        await session.flush()
        for i, code in enumerate(["ar", "en", None, "fr"]):
            session.add(
                Article(
                    source_id=source.id,
                    guid=str(i),
                    url=f"https://x.example/{i}",
                    title=f"{code}",
                    language=code,
                    first_seen_at=NOW,
                    sort_at=NOW,
                )
            )
    async with db.transaction() as session:
        clause = language_clause(["ar", "fr"])
        assert clause is not None
        rows = await session.execute(select(Article.title).where(clause).order_by(Article.id))
        assert list(rows.scalars()) == ["ar", "None", "fr"]
    assert language_clause(None) is None


def test_a_sources_kind_and_interval_read_in_arabic() -> None:
    from digests.render import localized_interval, source_kind

    assert (source_kind("feed", "ar"), localized_interval(1800, "ar")) == ("خلاصة", "30 دقيقة")
    assert localized_interval(7200, "ar") == "ساعتان"
    assert (source_kind("feed"), localized_interval(1800), localized_interval(7200)) == (
        "feed",
        "30m",
        "2h",
    )
    line = Translator("ar")("%(kind)s, every %(every)s", kind="خلاصة", every="30 دقيقة")
    assert "feed" not in line and "30m" not in line


def test_arabic_keeps_one_word_for_digest_and_another_for_feed() -> None:
    """موجز is a digest, خلاصة a feed: one word never stands for both."""
    single, plural = _extracted()
    arabic = translations("ar")
    pairs = [(m, arabic.gettext(m)) for m in single]
    pairs += [(many, arabic.ngettext(one, many, n)) for one, many in plural for n in (1, 2, 5, 11)]
    for message, translated in pairs:
        digest = re.search(r"\bdigests?\b", message, re.IGNORECASE)
        if re.search(r"\bfeeds?\b", message, re.IGNORECASE) and not digest:
            assert "موجز" not in translated, (message, translated)
        if digest:
            assert not re.search("ملخص|نشرت|النشرة", translated), (message, translated)
