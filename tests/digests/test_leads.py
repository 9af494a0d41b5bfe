"""Sentence splitting in several scripts, and leads that are the article's opening news."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests.evaluation import DATELINE_CASES
from digests.leads import LEAD_LIMIT, choose_lead, split_sentences, strip_dateline
from digests.sources.parse import parse_feed
from tests.conftest import CORPUS


def test_latin_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = (
        "The U.S. Army said on Jan. 5 that Mr. Smith left. "
        "John F. Kennedy spoke at 10 a.m. in Dallas."
    )
    assert split_sentences(text) == [
        "The U.S. Army said on Jan. 5 that Mr. Smith left.",
        "John F. Kennedy spoke at 10 a.m. in Dallas.",
    ]


def test_quotes_and_question_marks_stay_with_their_sentence() -> None:
    assert split_sentences('He said "It is over." Then he left! Why? Nobody knows.') == [
        'He said "It is over."',
        "Then he left!",
        "Why?",
        "Nobody knows.",
    ]


def test_arabic_question_mark_and_full_stop_end_sentences_the_arabic_comma_does_not() -> None:
    text = "قال المتحدث، إن الهجوم فشل. وأضاف أن القوات ستبقى؟ نعم۔ انتهى"
    assert split_sentences(text) == [
        "قال المتحدث، إن الهجوم فشل.",
        "وأضاف أن القوات ستبقى؟",
        "نعم۔",
        "انتهى",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("东京今天下雨。明天会晴吗？是的！", ["东京今天下雨。", "明天会晴吗？", "是的！"]),
        ("यह पहला वाक्य है। यह दूसरा है।", ["यह पहला वाक्य है।", "यह दूसरा है।"]),
        ("မြန်မာ စာကြောင်း တစ်။ နှစ်။", ["မြန်မာ စာကြောင်း တစ်။", "နှစ်။"]),
    ],
)
def test_cjk_devanagari_and_burmese_terminators(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_line_break_always_ends_a_sentence() -> None:
    assert split_sentences("First line without a stop\nSecond line.") == [
        "First line without a stop",
        "Second line.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "WASHINGTON (AP) — The Senate voted to pass the bill.",
            "The Senate voted to pass the bill.",
        ),
        (
            "LONDON, May 3 (Reuters) - Britain will hold an election in July.",
            "Britain will hold an election in July.",
        ),
        ("BEIRUT — Lebanon's army deployed on Sunday.", "Lebanon's army deployed on Sunday."),
        ("Officials said — again — nothing.", "Officials said — again — nothing."),
    ],
)
def test_dateline_prefix_is_stripped_not_the_sentence(text: str, expected: str) -> None:
    assert strip_dateline(text) == expected


def test_lead_skips_caption_byline_boilerplate_and_title() -> None:
    text = "\n".join(
        [
            "Deadly ISIS prison break attempt fuels fears",
            "By John Smith",
            "Staff writer",
            "Sign up for our daily newsletter",
            "Advertisement",
            "This photo provided by the Kurdish-led Syrian Democratic Forces shows fighters.",
            "Soldiers stand guard (AP Photo/Baderkhan Ahmad)",
            "Photo: Reuters",
            "Image caption Smoke rises over the prison",
            "HASAKAH, Syria (AP) — At least seven fighters were killed when ISIS attacked a "
            "prison on Thursday, an attack underlining concerns the group could be resurging.",
            "The assault began when a car bomb exploded.",
        ]
    )
    lead = choose_lead(text, title="Deadly ISIS prison break attempt fuels fears")
    assert lead == (
        "At least seven fighters were killed when ISIS attacked a prison on Thursday, an "
        "attack underlining concerns the group could be resurging."
    )


def test_short_first_sentence_gets_the_second_one_too() -> None:
    text = "The minister resigned. She had led the ministry for six years and faced protests."
    assert choose_lead(text) == text


def test_a_long_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    sentence = "The council agreed " + "after a long and heated debate " * 20 + "to close it."
    lead = choose_lead(sentence)
    assert len(lead) <= LEAD_LIMIT and lead.endswith("…")
    assert sentence.startswith(lead[:-1].rstrip())
    assert not lead[:-1].endswith(" ")


def test_arabic_lead_is_the_first_arabic_sentence() -> None:
    text = (
        "تصوير: رويترز\n"
        "قالت قوات سوريا الديمقراطية، اليوم الجمعة، إن سبعة من مقاتليها قتلوا في هجوم على سجن "
        "غويران في الحسكة. وأضافت أن الهجوم بدأ بسيارة مفخخة."
    )
    assert choose_lead(text, language="ar").startswith("قالت قوات سوريا الديمقراطية، اليوم")


def test_nothing_that_reads_like_news_gives_an_empty_lead() -> None:
    assert choose_lead("Newsletter\nRelated Articles\n0:00\nClose") == ""


@given(st.text(max_size=2000), st.text(max_size=200))
def test_lead_is_never_longer_than_the_limit(text: str, title: str) -> None:
    assert len(choose_lead(text, title=title)) <= LEAD_LIMIT


@pytest.mark.parametrize(("text", "start"), DATELINE_CASES, ids=[c[1] for c in DATELINE_CASES])
def test_leads_start_after_datelines_and_agency_tags(text: str, start: str) -> None:
    assert choose_lead(text).startswith(start)


def test_the_feed_item_from_the_issue_gets_its_lead() -> None:
    feed = parse_feed((CORPUS / "feeds" / "ffp-al-monitor.xml").read_bytes(), url="https://x.org/")
    (entry,) = [e for e in feed.entries if e.text.startswith("BERLIN, Feb 17 (Reuters) -")]
    assert choose_lead(entry.text, title=entry.title).startswith(
        "More than 80 actors, directors and other artists"
    )
