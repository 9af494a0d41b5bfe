"""html_to_text: HTML fields become clean, bounded plain text."""

from __future__ import annotations

from digests.sources.htmltext import html_to_text
from tests.conftest import CORPUS


def test_tags_scripts_and_styles_are_dropped_and_entities_decoded() -> None:
    html = (
        "<p>Hello&nbsp;<b>wor</b>ld</p><script>alert(1)</script><style>p{}</style><p>A &amp; B</p>"
    )
    assert html_to_text(html) == "Hello world A & B"


def test_plain_text_only_has_whitespace_collapsed() -> None:
    assert html_to_text("  AT&T  rocks\n\n now ") == "AT&T rocks now"


def test_double_escaped_markup_is_cleaned_too() -> None:
    text = html_to_text("&lt;b&gt;bold&lt;/b&gt; &amp;lt;script&amp;gt;alert(1)")
    assert "bold" in text and "<b>" not in text and "<script" not in text


def test_length_is_capped_at_a_word() -> None:
    text = html_to_text("<p>" + "word " * 1000 + "</p>", limit=50)
    assert len(text) <= 50 and text.endswith("word…")


def test_crazy_html_from_feedparser_suite_leaves_no_script() -> None:
    raw = (CORPUS / "feeds" / "fp-sanitize-crazy-html.xml").read_text("utf-8")
    description = raw.split("<description>")[-1].split("</description>")[0]
    text = html_to_text(description)
    assert "Can Your Regex Parse This?" in text
    assert "<script" not in text.lower() and "javascript:" not in text.lower()


def test_script_spelled_with_dotted_or_dotless_capital_i_is_removed_too() -> None:
    """Python's case-blind matching takes "İ" and "ı" for "i": such spellings are removed too."""
    shown = [
        html_to_text(f"<p>a {spelled} b</p>")
        for spelled in ("&lt;SCRİPT&gt;", "&lt;scrıpt&gt;", "JAVASCRİPT:", "javascrıpt :")
    ]
    assert shown == ["a > b", "a > b", "a  b", "a  b"]
