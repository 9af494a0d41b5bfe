"""Arabic matching: spelling variants, diacritics, the article and its fused prefixes."""

from __future__ import annotations

import time
from functools import cache
from typing import cast

import lxml.html
import pytest
from lxml.html import HtmlElement

from digests.matching import MatchableText, TopicMatcher, parse_keywords, words
from digests.types import TopicInfo
from tests.conftest import CORPUS, SEED


def topic(tid: int, keywords: str, exclude: str = "") -> TopicInfo:
    return TopicInfo(
        tid, f"t{tid}", parse_keywords(keywords), parse_keywords(exclude, required=False)
    )


def matches(keyword: str, text: str) -> bool:
    return bool(TopicMatcher([topic(1, keyword)]).match(MatchableText(text)))


@cache
def page_text(name: str) -> str:
    """A corpus page's text as a browser shows it (lxml's text_content)."""
    tree = cast(HtmlElement, lxml.html.fromstring((CORPUS / "pages" / name).read_bytes()))
    return str(tree.text_content())


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        ("أسد", "اسد"),  # alef with hamza above
        ("إسلام", "اسلام"),  # alef with hamza below
        ("آمن", "امن"),  # alef with madda
        ("ٱلقدس", "القدس"),  # alef wasla
        ("ثورة", "ثوره"),  # taa marbuta written as haa
        ("مصطفى", "مصطفي"),  # alef maqsura written as yaa
        ("سُورِيَا", "سوريا"),  # diacritics
    ],
)
def test_spelling_variants_match_both_ways(keyword: str, text: str) -> None:
    assert matches(keyword, f"خبر عن {text} اليوم")
    assert matches(text, f"خبر عن {keyword} اليوم")


@pytest.mark.parametrize(
    "form", ["العراق", "عراق", "والعراق", "بالعراق", "فالعراق", "كالعراق", "للعراق", "وبالعراق"]
)
def test_article_and_fused_prefixes_match_the_bare_word_and_the_definite_one(form: str) -> None:
    assert matches("العراق", f"أخبار {form} اليوم")
    assert matches("عراق", f"أخبار {form} اليوم")
    assert matches(form, "أخبار العراق اليوم")


def test_the_conjunction_waw_is_cut_off_a_name() -> None:
    assert matches("سوريا", "بين العراق وسوريا")


def test_short_words_keep_their_letters() -> None:
    # "وصل" (arrived) is not و + "صل", and "الى" (to) is not the article + "ى".
    assert words("وصل الى") == ["وصل", "الي"]
    assert not matches("صل", "وصل الوفد")


def test_a_different_word_does_not_match() -> None:
    # "السوري" (Syrian) is not "سوريا" (Syria), and "السودان" is not "سوريا".
    assert not matches("سوريا", "المرصد السوري لحقوق الإنسان")
    assert not matches("سوريا", "أخبار السودان")


def test_phrases_match_with_the_article_on_any_word() -> None:
    assert matches("جبهة النصرة", "مقاتلين من لواء الاسلام - جبهة النصرة- كتيبة التوحيد")
    assert matches("جيش حر", 'على صلة بـ"الجيش الحر" تمكنت')
    assert matches("الجيش الحر", "قوات الجيش الحر")


def test_seed_motto_matches_its_word_with_and_without_the_article() -> None:
    motto = (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()[2]
    assert motto == "بالشعب و للشعب"
    assert words(motto) == ["شعب", "و", "شعب"]
    assert matches("الشعب", motto)
    assert matches("شعب", motto)
    assert not matches("شعبي", motto)


def test_corpus_arabic_articles_match_their_subjects_in_either_script() -> None:
    cnn = page_text("np4k-cnn-arabic-ar-syria.html")
    sudan = page_text("traf-assabah-tn-ar-sudan-interview.html")
    matcher = TopicMatcher(
        [
            topic(1, "Syria, سوريا"),
            topic(2, "Sudan, السودان"),
            topic(3, "Assad, الاسد"),  # written without the hamza the page has: "الأسد"
            topic(4, "revolution, ثورة"),  # the page has "الثورة"
            topic(5, "Bitcoin, بيتكوين"),
        ]
    )

    def topics_of(text: str) -> set[int]:
        return {m.topic_id for m in matcher.match(MatchableText("", text=text))}

    assert topics_of(cnn) == {1, 3}
    assert topics_of(sudan) == {1, 2, 4}  # the interview compares Sudan with Syria


def test_arabic_matching_time_grows_linearly() -> None:
    text = page_text("np4k-cnn-arabic-ar-syria.html")
    matcher = TopicMatcher([topic(i, f"كلمة{i}, عبارة رقم {i}") for i in range(1, 2001)])
    started = time.perf_counter()
    matcher.match(MatchableText("", text=text * 10))
    one = time.perf_counter() - started
    started = time.perf_counter()
    matcher.match(MatchableText("", text=text * 40))
    four = time.perf_counter() - started
    # Quadratic behaviour would make four times the text sixteen times slower.
    assert four < one * 8
