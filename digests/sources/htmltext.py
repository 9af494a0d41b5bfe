"""Text fields of feeds and pages turned into clean plain text, so no markup reaches a chat.

A feed field may hold HTML or plain text, and nothing says which: RSS titles are routinely
both. ``feed_text`` decides per field, the way feedparser does: a field is markup only when it
holds a closing tag or a void tag of a known HTML element, a comment, or a known entity; so
``Syria & Iraq agree on <border> patrols`` and ``a < b > c`` stay as written, while
``<b>Breaking</b>`` and ``AT&amp;T`` are read as HTML. Read as HTML, a ``<`` that starts no
known tag and an ``&`` that starts no known entity are still text (``<b>New</b> <border>``
keeps ``<border>``); scripts, styles and comments are dropped, entities decoded. Every result
has its whitespace collapsed, its length capped and the characters of ``hygiene`` removed.
"""

from __future__ import annotations

import html.entities
import re

from lxml import etree

from digests.sources.hygiene import clean_chars, drop_bad_char_refs
from digests.truncation import truncate

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
# Element names, space-separated: block elements (a space in the text where they start and
# end), void elements (never closed), and the rest of HTML's elements, old ones included.
_BLOCK_NAMES = """
address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6
header hr li main nav ol p pre section table td th tr ul
"""
_VOID_NAMES = "area base br col embed hr img input link meta param source track wbr"
_OTHER_NAMES = """
a abbr acronym address article aside audio b bdi bdo big blink blockquote body button canvas
caption center cite code colgroup data datalist dd del details dfn dialog dir div dl dt em
fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup
html i iframe ins kbd label legend li main map mark marquee menu meter nav nobr noscript object
ol optgroup option output p picture pre progress q rp rt ruby s samp script section select small
span strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time
title tr tt u ul var video
"""
_BLOCK = frozenset(_BLOCK_NAMES.split())
_VOID = frozenset(_VOID_NAMES.split())
_ELEMENTS = _VOID | frozenset(_OTHER_NAMES.split())
_NAMES = "|".join(sorted(_ELEMENTS, key=len, reverse=True))
# What makes a field markup: a closing tag or a void tag of a known element, a comment, or
# an entity. An opening tag alone does not: "Use <b> for bold" is a sentence.
_CLOSING_OR_VOID = re.compile(
    rf"</(?:{_NAMES})\s*>|<(?:{'|'.join(_VOID)})(?:\s[^<>]*)?/?>|<!--", re.IGNORECASE
)
_ENTITY = re.compile(r"&(#[0-9]{1,10}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
# In markup, a "<" that opens no known tag, comment or declaration is a character. (An "&"
# that starts no known entity needs nothing: the parser keeps "AT&T" and "&madeup;" as text.)
# The common case, every tag known, is told apart first: the full pattern costs 10x more.
_LT_NOT_TAG = re.compile(r"<(?![A-Za-z!]|/[A-Za-z])")
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)")
_STRAY_LT = re.compile(rf"<(?!/?(?:{_NAMES})(?=[\s/>])|!)", re.IGNORECASE)
_DANGEROUS = re.compile(r"<\s*script|javascript\s*:", re.IGNORECASE)
_PARSER = etree.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True, remove_blank_text=False
)


def looks_like_markup(text: str) -> bool:
    """True if ``text`` holds a closing or void tag of a known HTML element, or a known entity."""
    if "<" in text and _CLOSING_OR_VOID.search(text):
        return True
    if "&" in text:
        return any(_known_entity(found) for found in _ENTITY.findall(text))
    return False


def feed_text(value: str | None, *, limit: int = 1000) -> str:
    """Plain text of a feed field that may be HTML or text; see the module's docstring."""
    if not value:
        return ""
    text = clean_chars(value[: _input_limit(limit)])
    if looks_like_markup(text):
        return _markup_to_text(text, limit)
    return _finish(text, limit)


def html_to_text(html: str | None, *, limit: int = 1000) -> str:
    """Plain text of a field known to be HTML (JSON Feed's ``content_html``, a page's JSON-LD).

    At most ``limit`` characters, cut at a word with "…". The result never contains
    ``<script`` or ``javascript:``, even from double-escaped input.
    """
    if not html:
        return ""
    return _markup_to_text(clean_chars(html[: _input_limit(limit)]), limit)


def _input_limit(limit: int) -> int:
    # Markup rarely outweighs text 20:1, and nobody reads past ``limit``: cutting the input
    # first keeps a 763 KB field (ffp-f1metrics) from costing 100 ms.
    return limit * 20 + 1000


def _markup_to_text(text: str, limit: int) -> str:
    text = _extract(text)
    # Escaped twice at the source: what came out is still markup. One more pass, no more.
    if "<" in text and _CLOSING_OR_VOID.search(text):
        text = _extract(text)
    return _finish(clean_chars(text), limit)


def _finish(text: str, limit: int) -> str:
    text = " ".join(text[: limit * 4 + 100].split())  # str.split: 5x faster than a regex
    # A removal can join "<scr" + "ipt": repeat until clean.
    while _may_be_dangerous(text) and _DANGEROUS.search(text):
        text = _DANGEROUS.sub("", text)
    return truncate(text, limit)


# Every match of ``_DANGEROUS`` holds "cript" (the "i" maybe a dotless or dotted capital I,
# which ``re.IGNORECASE`` also matches); lowered, it holds one of these.
_CRIPT = ("cript", "cr\u0131pt", "cri\u0307pt")


def _may_be_dangerous(text: str) -> bool:
    """False when ``_DANGEROUS`` cannot match; the regex costs 20x this test on clean text."""
    lowered = text.lower()
    return any(word in lowered for word in _CRIPT)


def _extract(html: str) -> str:
    root = etree.fromstring(f"<html><body><div>{_escape_stray(html)}</div></body></html>", _PARSER)
    if root is None:
        return ""
    etree.strip_elements(root, *_DROP, etree.Comment, with_tail=False)
    # The HTML parser lower-cases tag names, so lxml can pick the block elements in C.
    for element in root.iter(*_BLOCK):
        element.tail = " " + (element.tail or "")
        element.text = " " + (element.text or "")
    return etree.tostring(root, method="text", encoding="unicode")


def _escape_stray(html: str) -> str:
    """``html`` with each "<" that starts no known tag escaped, so it stays text.

    References to characters nobody may store (``&#xD800;``) are dropped here: the parser
    would turn them into U+FFFD.
    """
    if "<" in html:
        html = _LT_NOT_TAG.sub("&lt;", html)
        names = {name.lower() for name in set(_TAG_NAME.findall(html))}
        if not names <= _ELEMENTS:
            html = _STRAY_LT.sub("&lt;", html)
    return drop_bad_char_refs(html)


def _known_entity(name: str) -> bool:
    return name.startswith("#") or f"{name};" in html.entities.html5
