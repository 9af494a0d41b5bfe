"""An article's text cut into message-sized parts: whole paragraphs, nothing lost, within budget."""

from __future__ import annotations

from digests.article_pages import paginate, paragraphs, utf16_length


def test_paragraphs_are_packed_whole_in_order() -> None:
    text = "\n".join(f"Paragraph {n} " + "word " * 20 for n in range(10))
    pages = paginate(text, 400, max_parts=10)
    assert not pages.cut
    assert all(utf16_length(part) <= 400 for part in pages.parts)
    joined = [p for part in pages.parts for p in part.split("\n\n")]
    assert joined == paragraphs(text)


def test_a_long_paragraph_is_cut_between_sentences_then_words() -> None:
    sentence = "The wall held 🎉 and the guards stayed. "
    text = sentence * 40 + "x" * 250
    pages = paginate(text, 200, max_parts=100)
    assert all(utf16_length(part) <= 200 for part in pages.parts)
    assert all(part.endswith(("stayed.", "x")) for part in pages.parts)
    assert "".join(pages.parts).replace(" ", "") == " ".join(text.split()).replace(" ", "")


def test_text_beyond_the_last_part_is_reported_cut() -> None:
    pages = paginate("\n".join("p" * 90 for _ in range(10)), 100, max_parts=3)
    assert len(pages.parts) == 3 and pages.cut


def test_blank_lines_and_spaces_inside_a_paragraph_collapse() -> None:
    assert paginate("  one   two \n\n\n three ", 100, max_parts=2).parts == ("one two\n\nthree",)
