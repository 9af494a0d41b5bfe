"""truncate: the one way text is shortened, at a word, with "…"."""

from __future__ import annotations

from digests.truncation import truncate


def test_text_that_fits_is_left_alone() -> None:
    assert truncate("Floods in Basra", 15) == "Floods in Basra"


def test_a_cut_falls_between_words_and_is_marked() -> None:
    assert truncate("Floods close roads in Basra and Nasiriyah", 25) == "Floods close roads in…"


def test_a_single_long_word_is_cut_inside_it() -> None:
    assert truncate("x" * 30, 10) == "x" * 9 + "…"


def test_trailing_punctuation_goes_before_the_mark_when_asked() -> None:
    text = "Talks resume, officials say; more later"
    assert truncate(text, 30) == "Talks resume, officials say;…"
    assert truncate(text, 30, trailing=" ,;:") == "Talks resume, officials say…"
    assert len(truncate(text, 30)) <= 30
