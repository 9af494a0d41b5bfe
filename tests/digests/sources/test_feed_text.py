"""Feed text is text unless it really is HTML: titles come out exactly as their authors meant.

Each shape is the field's value as the XML parser (or JSON) hands it over; it is delivered in
an RSS ``<title>`` (XML-escaped, and again in CDATA), an Atom ``<title type="html">`` and a
JSON Feed ``title``, and read by the real ``parse_feed``.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

import pytest

from digests.sources.htmltext import feed_text, looks_like_markup
from digests.sources.parse import parse_feed

BASE = "https://feeds.example.org/feed.xml"

# (value handed over by the feed, what a reader must see)
SHAPES: list[tuple[str, str]] = [
    # Plain text with characters that would be markup in HTML: kept exactly.
    (
        'Syria & Iraq agree on <border> patrols "for now"',
        'Syria & Iraq agree on <border> patrols "for now"',
    ),
    ("a < b > c", "a < b > c"),
    ("If x<y and y>z then x<z", "If x<y and y>z then x<z"),
    ("AT&T profits rise 5%", "AT&T profits rise 5%"),
    ("Q&A: what next for Gaza?", "Q&A: what next for Gaza?"),
    ("R&D spending <1% of GDP", "R&D spending <1% of GDP"),
    ("C++ <vector> vs <list>, explained", "C++ <vector> vs <list>, explained"),
    ("<3 for the new phone", "<3 for the new phone"),
    ("5 > 3 but 2 < 4 & 1 = 1", "5 > 3 but 2 < 4 & 1 = 1"),
    ("Use <b> for bold, says style guide", "Use <b> for bold, says style guide"),
    ("The &unknown; entity stays", "The &unknown; entity stays"),
    ("الدولار < 1500 دينار في بغداد", "الدولار < 1500 دينار في بغداد"),
    ('Mosul — "calm" returns', 'Mosul — "calm" returns'),
    ("  Multi\n line\ttitle  ", "Multi line title"),
    # HTML: tags dropped, entities decoded.
    ("<b>Breaking:</b> quake hits Japan", "Breaking: quake hits Japan"),
    ("Quake <em>hits</em> Japan & Taiwan", "Quake hits Japan & Taiwan"),
    ("Nested <b><i>tags</i></b> here", "Nested tags here"),
    ('<a href="https://x.example/">Link</a> in a title', "Link in a title"),
    ("Tags <script>alert(1)</script> gone", "Tags gone"),
    ("Line<br/>break", "Line break"),
    ("Rock &amp; Roll", "Rock & Roll"),
    ("AT&amp;T profits rise", "AT&T profits rise"),
    ("Tom & Jerry &amp; friends", "Tom & Jerry & friends"),
    ("Syria <border> &amp; Iraq", "Syria <border> & Iraq"),
    ("<b>New</b> rules for <border> posts", "New rules for <border> posts"),
    ("x &lt;= y", "x <= y"),
    ("Caf&eacute; owners protest", "Café owners protest"),
    ("It&#8217;s over", "It’s over"),
    ("It&#x2019;s over", "It’s over"),
    ("Hello&nbsp;world", "Hello world"),
    ("Fine of 100&#160;&euro;", "Fine of 100 €"),
    ("Launch &#x1F680; today", "Launch 🚀 today"),
    ("&lt;b&gt;bold&lt;/b&gt; text", "bold text"),
    ("سوريا &amp; العراق", "سوريا & العراق"),
    ("&quot;الحرب&quot; في غزة", '"الحرب" في غزة'),
    ("مقتل 5 أشخاص &#8211; تقرير", "مقتل 5 أشخاص – تقرير"),
    ("<p>قمة <b>بغداد</b></p>", "قمة بغداد"),
    ("Comment <!-- hidden --> gone", "Comment gone"),
    # Characters nobody may store, dropped one by one.
    ("Bad &#xD800; char", "Bad char"),
    ("Evil \u202egnp.exe name", "Evil gnp.exe name"),
    ("Isolate \u2066x\u2069 and NUL\x00 and bell\x07", "Isolate x and NUL and bell"),
    ("كلمة \u200fعربية", "كلمة \u200fعربية"),
]


def _rss(value: str, *, cdata: bool) -> bytes:
    title = f"<![CDATA[{value}]]>" if cdata else escape(value)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<link>https://example.org/</link><item>"
        f"<title>{title}</title><link>https://example.org/a</link><guid>a</guid>"
        "</item></channel></rss>"
    ).encode()


def _atom(value: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>T</title><id>urn:t</id><updated>2026-01-01T00:00:00Z</updated><entry>"
        f'<title type="html">{escape(value)}</title><link href="https://example.org/a"/>'
        "<id>urn:a</id><updated>2026-01-01T00:00:00Z</updated></entry></feed>"
    ).encode()


def _json(value: str) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "items": [{"id": "a", "url": "https://example.org/a", "title": value}],
    }
    return json.dumps(doc).encode()


def _in_xml(value: str) -> str:
    """The value as XML can carry it: XML forbids raw control characters and NUL."""
    return "".join(ch if ch >= " " or ch in "\t\n\r" else "" for ch in value)


@pytest.mark.parametrize(("value", "expected"), SHAPES, ids=[s[0][:40] for s in SHAPES])
@pytest.mark.parametrize("kind", ["rss", "rss-cdata", "atom", "json"])
def test_titles_come_out_exactly(kind: str, value: str, expected: str) -> None:
    if kind == "json":
        body = _json(value)
    else:
        value, expected = _in_xml(value), " ".join(_in_xml(expected).split())
        body = _atom(value) if kind == "atom" else _rss(value, cdata=kind == "rss-cdata")
    (entry,) = parse_feed(body, url=BASE).entries
    assert entry.title == expected


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("a < b > c", False),
        ("<border>", False),
        ("AT&T", False),
        ("<b>x</b>", True),
        ("x<br>y", True),
        ("&amp;", True),
        ("&#8217;", True),
        ("&madeup;", False),
    ],
)
def test_markup_is_recognised_by_known_elements_and_entities(text: str, markup: bool) -> None:
    assert looks_like_markup(text) is markup


def test_summaries_follow_the_same_rule() -> None:
    assert feed_text("Prices: 3 < 5 & rising <fast>") == "Prices: 3 < 5 & rising <fast>"
    assert feed_text("<p>Prices &amp; <b>wages</b></p><p>rise</p>") == "Prices & wages rise"
