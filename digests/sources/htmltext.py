"""HTML fields of a feed turned into clean plain text, so no feed markup ever reaches a chat.

fastfeedparser passes HTML through unsanitised; everything we keep from a feed goes through
``html_to_text`` instead: scripts, styles and comments are dropped, entities decoded,
whitespace collapsed and the length capped.
"""

from __future__ import annotations

import re

from lxml import etree

_DROP = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_MARKUP = re.compile(r"<[a-zA-Z/!?]|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
# Left after extraction only if the source was escaped twice; a second pass removes them.
_STILL_MARKUP = re.compile(r"<[a-zA-Z/!?]")
_DANGEROUS = re.compile(r"<\s*script|javascript\s*:", re.IGNORECASE)
_PARSER = etree.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True, remove_blank_text=False
)


def _extract(html: str) -> str:
    root = etree.fromstring(f"<html><body><div>{html}</div></body></html>", _PARSER)
    if root is None:
        return ""
    etree.strip_elements(root, *_DROP, etree.Comment, with_tail=False)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK:
            element.tail = " " + (element.tail or "")
            element.text = " " + (element.text or "")
    return "".join(str(piece) for piece in root.itertext())


def html_to_text(html: str | None, *, limit: int = 1000) -> str:
    """Plain text of an HTML fragment, at most ``limit`` characters (cut at a word, with "…").

    Plain text without markup comes back with only its whitespace collapsed. The result never
    contains ``<script`` or ``javascript:``, even from double-escaped input.
    """
    if not html:
        return ""
    # Markup rarely outweighs text 20:1, and nobody reads past ``limit``: cutting the input
    # first keeps a 763 KB field (ffp-f1metrics) from costing 100 ms.
    text = html[: limit * 20 + 1000]
    for _ in range(2):
        if not _MARKUP.search(text):
            break
        text = _extract(text)
        if not _STILL_MARKUP.search(text):
            break
    text = " ".join(text[: limit * 4 + 100].split())  # str.split: 5x faster than a regex
    while _DANGEROUS.search(text):  # a removal can join "<scr" + "ipt": repeat until clean
        text = _DANGEROUS.sub("", text)
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, marked with "…" if cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"
