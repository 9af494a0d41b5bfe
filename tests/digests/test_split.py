"""Splitting digests: every message within Telegram's limits, valid HTML, items kept whole."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape as markup_escape

from digests.split import entity_count, split_digest, visible_length, visible_text


class TelegramView(HTMLParser):
    """An independent reading of a message: its text, its tag count, and whether it is valid."""

    def __init__(self, message: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.tags = 0
        self.stack: list[str] = []
        self.valid = True
        self.feed(message)
        self.close()
        self.valid = self.valid and not self.stack

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.valid = False

    def handle_data(self, data: str) -> None:
        self.text += data

    @property
    def utf16_length(self) -> int:
        return sum(2 if ord(c) > 0xFFFF else 1 for c in self.text)


def link(title: str, url: str = "https://example.com/a?x=1&y=2") -> str:
    return f'<a href="{escape(url)}">{escape(title)}</a>'


def test_visible_length_counts_what_telegram_counts() -> None:
    assert visible_length("<b>a &amp; b</b>") == 5
    assert visible_length("&lt;tag&gt; &quot;q&quot;") == 9
    assert visible_length("😀") == 2  # outside the BMP: a surrogate pair in UTF-16
    assert visible_length("مرحبا") == 5
    assert visible_length(link("news")) == 4
    assert visible_text("<i>x</i> &amp; <b>y</b>") == "x & y"


def test_entity_count_counts_tag_pairs() -> None:
    assert entity_count("plain") == 0
    assert entity_count(f"<b>{link('t')}</b> <i>s</i>") == 3


def test_a_short_digest_is_one_message_with_the_header_first() -> None:
    items = [link("First"), link("Second"), f"<b>Third</b> {link('x')}"]

    messages = split_digest("<b>Your digest</b>", items)

    assert messages == ["<b>Your digest</b>\n\n" + "\n\n".join(items)]


def test_messages_are_packed_full_and_split_only_between_items() -> None:
    items = [link("word " * 199 + f"n{i}") for i in range(10)]  # 1000 characters each

    messages = split_digest("", items)

    # Four items and three separators make 4006 characters; a fifth would pass 4096.
    assert [len(m.split("\n\n")) for m in messages] == [4, 4, 2]
    assert "\n\n".join(messages) == "\n\n".join(items)


def test_the_header_opens_only_the_first_message() -> None:
    header = "<b>Morning digest</b>"
    messages = split_digest(header, [link("x" * 3000), link("y" * 3000)])

    assert len(messages) == 2
    assert messages[0].startswith(header)
    assert header not in messages[1]


def test_no_entity_limit_overflow_with_many_small_links() -> None:
    items = [f"{link(f'headline {i}')} <i>source</i>" for i in range(120)]  # 2 entities each

    messages = split_digest("<b>Digest</b>", items)

    assert [entity_count(m) for m in messages] == [99, 100, 42]
    assert all(visible_length(m) <= 4096 for m in messages)


def test_an_overlong_link_is_cut_at_a_word_inside_a_valid_link() -> None:
    title = " ".join(f"word{i}" for i in range(1200))  # about 9,000 characters
    messages = split_digest("", [link(title), link("next")], limit=4096)

    first = messages[0].split("\n\n")[0]
    assert first.startswith('<a href="https://example.com/a?x=1&amp;y=2">')
    assert first.endswith("…</a>")
    view = TelegramView(first)
    assert view.valid
    assert view.utf16_length <= 4096
    kept = view.text.removesuffix("…")
    assert title.startswith(kept + " "), "cut at a word boundary"
    assert view.utf16_length > 4000, "not cut needlessly short"
    assert messages[-1].endswith(link("next"))


def test_an_overlong_item_is_never_cut_inside_an_entity_or_a_surrogate_pair() -> None:
    title = "Tom &amp; Jerry 😀" + "😀" * 3000
    messages = split_digest("", [f"<b>{title}</b>"], limit=100)

    (message,) = messages
    view = TelegramView(message)
    assert view.valid
    assert view.utf16_length <= 100
    assert view.text.startswith("Tom & Jerry")
    assert "&amp;" in message
    assert all(not 0xD800 <= ord(c) <= 0xDFFF for c in view.text)


@pytest.mark.parametrize("joiner", [" ", ""])
def test_an_item_past_the_entity_limit_keeps_only_tags_that_fit(joiner: str) -> None:
    item = joiner.join(f"<b>w{i}</b>" for i in range(150))

    (message,) = split_digest("", [item], max_entities=100)

    view = TelegramView(message)
    assert view.valid
    assert view.tags <= 100
    assert view.text.endswith("…")
    assert view.text.startswith(f"w0{joiner}w1{joiner}w2")


def test_an_empty_digest_sends_only_the_header() -> None:
    assert split_digest("<b>Nothing new today</b>", []) == ["<b>Nothing new today</b>"]
    assert split_digest("", []) == []


@pytest.mark.parametrize("bad", ["<b>open", "<b><i>x</b></i>", "x</b>", "line<br/>"])
def test_malformed_template_output_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="HTML"):
        split_digest("", [bad])


# Text people send and feeds carry: emoji, Arabic, CJK, HTML specials, quotes, newlines.
# "⁂" is kept out so that the tests can use it to see where one item ends.
SEP = "\n⁂\n"
texts = st.text(
    alphabet=st.sampled_from(list("ab cd<>&\"'\n"))
    | st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="⁂"),
    max_size=300,
) | st.sampled_from(["😀👍🏽", "أخبار اليوم", "<script>&amp;", 'Tom & "Jerry"', "新闻"])


@st.composite
def item_html(draw: st.DrawFn) -> str:
    title, source = draw(texts), draw(texts)
    escaper = draw(st.sampled_from([escape, lambda s: str(markup_escape(s))]))
    shape = draw(st.integers(0, 2))
    url = "https://example.com/?q=" + draw(texts)[:40]
    if shape == 0:
        return f'<a href="{escaper(url)}">{escaper(title)}</a>'
    if shape == 1:
        return f"<b>{escaper(title)}</b>"
    return f'<b><a href="{escaper(url)}">{escaper(title)}</a></b> — <i>{escaper(source)}</i>'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.sampled_from(["", "<b>Digest</b>", "<b>Morning 😀 &amp; news</b>"]),
    items=st.lists(item_html(), max_size=25),
    limit=st.integers(40, 700),
    max_entities=st.integers(3, 40),
)
def test_every_message_fits_telegram_and_short_items_survive_in_order(
    header: str, items: list[str], limit: int, max_entities: int
) -> None:
    messages = split_digest(header, items, limit=limit, max_entities=max_entities, separator=SEP)

    views = [TelegramView(m) for m in messages]
    for view in views:
        assert view.valid
        assert view.utf16_length <= limit
        assert view.tags <= max_entities
    if header:
        assert messages[0].startswith(header)
        assert all(header not in m for m in messages[1:])

    # What a reader sees, piece by piece: the header, then each item in the original order.
    pieces = [piece for view in views for piece in view.text.split(SEP)]
    if header:
        assert pieces.pop(0) == TelegramView(header).text
    assert len(pieces) == len(items)
    for item, piece in zip(items, pieces, strict=True):
        alone = TelegramView(item)
        if alone.utf16_length <= limit and alone.tags <= max_entities:
            # It fits in a message by itself, so it is never cut or spread over two.
            assert piece == alone.text
            assert sum(item in m for m in messages) >= 1
        else:
            assert piece.endswith("…")
            assert alone.text.startswith(piece.removesuffix("…"))


@settings(max_examples=100, deadline=None)
@given(item=item_html(), limit=st.integers(20, 200))
def test_a_shortened_item_keeps_its_own_beginning(item: str, limit: int) -> None:
    whole = TelegramView(item)
    (message,) = split_digest("", [item], limit=limit, max_entities=100)

    view = TelegramView(message)
    assert view.valid
    assert view.utf16_length <= limit
    if whole.utf16_length <= limit:
        assert message == item
    else:
        assert view.text.endswith("…")
        assert whole.text.startswith(view.text.removesuffix("…"))
