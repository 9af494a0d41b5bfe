"""Matching: whole words, phrases, excludes, Unicode and linear time."""

from __future__ import annotations

import time

import pytest

from digests.errors import InvalidInput
from digests.matching import MatchableText, TopicMatcher, parse_keywords
from digests.types import TopicInfo
from tests.conftest import SEED


def topic(tid: int, keywords: str, exclude: str = "") -> TopicInfo:
    return TopicInfo(
        tid, f"t{tid}", parse_keywords(keywords), parse_keywords(exclude, required=False)
    )


def matched_ids(matcher: TopicMatcher, title: str, summary: str = "", text: str = "") -> set[int]:
    return {m.topic_id for m in matcher.match(MatchableText(title, summary, text))}


def test_keyword_matches_whole_words_case_insensitively() -> None:
    matcher = TopicMatcher([topic(1, "syria"), topic(2, "iran")])
    assert matched_ids(matcher, "SYRIA: prison attack") == {1}
    assert matched_ids(matcher, "Syrian forces regroup") == set()
    assert matched_ids(matcher, "Piranhas in the river") == set()


def test_phrase_needs_its_words_in_order() -> None:
    matcher = TopicMatcher([topic(1, "hasakah prison")])
    assert matched_ids(matcher, "Attack on Hasakah prison") == {1}
    assert matched_ids(matcher, "Prison in Hasakah attacked") == set()
    assert matched_ids(matcher, "Hasakah\u00a0prison break, day two") == {1}


def test_exclude_word_vetoes_the_topic_only() -> None:
    matcher = TopicMatcher([topic(1, "apple", exclude="iphone, tim cook"), topic(2, "apple")])
    assert matched_ids(matcher, "Apple harvest is early") == {1, 2}
    assert matched_ids(matcher, "Apple unveils new iPhone") == {2}
    assert matched_ids(matcher, "Apple", text="said Tim Cook on stage") == {2}


def test_arabic_keyword_matches_arabic_text_with_or_without_diacritics() -> None:
    matcher = TopicMatcher([topic(1, "سوريا"), topic(2, "العراق")])
    assert matched_ids(matcher, "هجوم في سوريا اليوم") == {1}
    assert matched_ids(matcher, "هجوم في سُورِيَا اليوم") == {1}
    assert matched_ids(matcher, "أخبار العراق") == {2}


def test_title_hits_weigh_more_than_body_hits() -> None:
    matcher = TopicMatcher([topic(1, "iraq"), topic(2, "syria")])
    found = matcher.match(MatchableText("Iraq talks", text="Syria was mentioned once."))
    assert [m.topic_id for m in found] == [1, 2]
    assert found[0].strength > found[1].strength
    assert found[0].matched == ("iraq",)


def test_seed_article_matches_its_subjects() -> None:
    lines = (SEED / "arab-press-isis-prison-break.txt").read_text(encoding="utf-8").splitlines()
    title, body = lines[5], "\n".join(lines[9:58])
    matcher = TopicMatcher(
        [
            topic(1, "syria, hasakah"),
            topic(2, "iraq"),
            topic(3, "isis, islamic state, terrorism"),
            topic(4, "bitcoin"),
            topic(5, "nba"),
        ]
    )
    assert matched_ids(matcher, title, text=body) == {1, 2, 3}


def test_parse_keywords_rejects_junk_and_dedupes() -> None:
    assert parse_keywords(" Syria ,syria, Hasakah  prison ,") == ("Syria", "Hasakah prison")
    with pytest.raises(InvalidInput):
        parse_keywords(", ,")
    with pytest.raises(InvalidInput):
        parse_keywords("!!!")
    with pytest.raises(InvalidInput):
        parse_keywords("one two three four five six seven")


def test_matching_time_grows_linearly_with_text_not_topic_count() -> None:
    many = TopicMatcher([topic(i, f"word{i}, phrase number {i}") for i in range(1, 5001)])
    text = "lorem ipsum dolor sit amet " * 4000
    started = time.perf_counter()
    many.match(MatchableText("t", text=text))
    one_pass = time.perf_counter() - started
    started = time.perf_counter()
    many.match(MatchableText("t", text=text * 4))
    four_passes = time.perf_counter() - started
    # Quadratic behaviour would make four times the text sixteen times slower.
    assert four_passes < one_pass * 8
