"""Feed bodies turned into ParsedFeed values: RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.x.

fastfeedparser reads XML feeds (about 68 times faster than feedparser on our corpus, see
bench/README.md); feedparser reads what fastfeedparser refuses. JSON Feed is read here: it is
plain JSON. Every text field goes through ``htmltext.feed_text``, which reads it as HTML only
when it is (so a title's ``<border>`` or ``a < b`` survive), so no HTML leaves this module.
Characters nobody may store are dropped one by one (``hygiene``), and an item that cannot be
read is skipped, never the feed. Every failure is a FeedParseError with a short message.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import ParseResult, SplitResult, urljoin, urlparse, urlsplit, urlunparse

import charset_normalizer
import fastfeedparser
import feedparser
from lxml import etree

from digests.errors import FeedParseError
from digests.i18n import N_
from digests.sources.htmltext import feed_text, html_to_text
from digests.sources.hygiene import clean_chars, drop_bad_char_refs
from digests.timeutil import as_utc
from digests.truncation import truncate
from digests.types import FeedEntry, ParsedFeed

log = logging.getLogger(__name__)

TITLE_LIMIT = 500
SUMMARY_LIMIT = 1000
TEXT_LIMIT = 5_000  # enough for topic matching; full text is extract.py's job
GUID_LIMIT = 1024
URL_LIMIT = 2048

_XML_DECL = re.compile(rb"<\?xml[^>]*?\?>")
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_LEADING_COMMENTS = re.compile(r"^\s*(?:<\?[^>]*>\s*|<!--.*?-->\s*)*", re.DOTALL)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html[\s>])", re.IGNORECASE)
_HOSTILE = re.compile(r"<\s*script|javascript\s*:", re.IGNORECASE)
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
# The XML spec's appendix F: how the first four bytes give away UTF-16/32 without a BOM.
_SNIFF = {
    b"\x00\x00\x00<": "utf-32-be",
    b"<\x00\x00\x00": "utf-32-le",
    b"\x00<\x00?": "utf-16-be",
    b"<\x00?\x00": "utf-16-le",
}
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Feeds that say ISO-8859-1 routinely mean windows-1252 (curly quotes, dashes); browsers agree.
_ALIASES = {"iso8859_1": "cp1252", "latin_1": "cp1252", "ascii": "cp1252"}


def parse_feed(body: bytes, *, url: str, charset: str | None = None) -> ParsedFeed:
    """Read a feed document fetched from ``url`` (``charset``: the HTTP header's, if any).

    Links are made absolute against ``url``; only http(s) links are kept. Entries with neither
    a title nor a link are dropped. Raises FeedParseError for anything that is not a feed, for
    an HTML page, and for a broken document that yields no entries.
    """
    try:
        return _parse(body, url, charset)
    except FeedParseError:
        raise
    except Exception as exc:
        log.exception("unexpected error parsing the feed at %s", url)
        raise FeedParseError(
            N_("could not read the feed (%(kind)s)"), kind=type(exc).__name__
        ) from exc


def discover_feed_url(html: bytes, base_url: str) -> str | None:
    """The feed a web page announces with ``<link rel="alternate" type="...rss+xml">``, if any."""
    try:
        parser = etree.HTMLParser(no_network=True, remove_comments=True)
        root = etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        return None
    if root is None:
        return None
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in _FEED_TYPES and href:
            found = _absolute(href, base_url)
            if found:
                return found
    return None


def looks_like_html(body: bytes) -> bool:
    """True if ``body`` starts like an HTML page rather than a feed."""
    head = body[:4096].decode("latin-1")
    return bool(_HTML_START.match(head, _LEADING_COMMENTS.match(head).end()))  # type: ignore[union-attr]


def _parse(body: bytes, url: str, charset: str | None) -> ParsedFeed:
    stripped = body.strip().lstrip(codecs.BOM_UTF8)
    if not stripped.strip(b"\x00 \t\r\n"):
        raise FeedParseError(N_("the document is empty"))
    if stripped[:1] in (b"{", b"["):
        return _parse_json_feed(stripped, url)
    if looks_like_html(stripped):
        raise FeedParseError(N_("this is a web page, not a feed"))
    xml = _to_utf8(body, charset)
    feed = _parse_xml(xml, url)
    if all(entry.url for entry in feed.entries) and feed.entries:
        return feed
    # Only now is a strict parse worth its cost: a broken document's recovered link-less
    # entries are debris (a title reading "![CD"), and an empty broken one is a failure.
    if _well_formed(xml):
        return feed
    kept = tuple(entry for entry in feed.entries if entry.url)
    if not kept:
        raise FeedParseError(N_("not a readable feed: the XML is broken or cut short"))
    return ParsedFeed(title=feed.title, entries=kept, link=feed.link)


def _to_utf8(body: bytes, charset: str | None) -> bytes:
    """The document as UTF-8 bytes whose XML declaration says so, whatever it came in."""
    text = decode_xml(body, charset)
    head, rest = text[:1024], text[1024:]
    head = _XML_DECL.sub(b"", head.encode("utf-8"), count=1).decode("utf-8")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + head.lstrip() + rest).encode("utf-8")


def decode_xml(body: bytes, charset: str | None = None) -> str:
    """Decode an XML document the way real feeds need: BOM, sniffing, UTF-8, declaration, guess.

    Valid UTF-8 wins over a declaration, because feeds that declare ISO-8859-1 or UTF-16 while
    holding UTF-8 are common and the reverse (Latin-1 text that is valid UTF-8) is not.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    sniffed = _SNIFF.get(body[:4])
    if sniffed:
        return body.decode(sniffed, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _DECLARED.search(body[:1024])
    for declared in (match.group(1).decode("ascii") if match else None, charset):
        codec = _codec(declared)
        if codec is not None and not codec.startswith(("utf_16", "utf_32")):
            return body.decode(codec, errors="replace")
    best = charset_normalizer.from_bytes(body[:65536]).best()
    guessed = _codec(best.encoding if best else None) or "cp1252"
    return body.decode(guessed, errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def _well_formed(xml: bytes) -> bool:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    try:
        etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return False
    return True


def _parse_xml(xml: bytes, url: str) -> ParsedFeed:
    try:
        return _parse_fast(xml, url)
    except Exception as exc:
        fast_error = exc
    # One reference to a surrogate (&#xD800;) makes fastfeedparser fail on the whole document.
    # Dropping such characters costs a pass over the document, so only a failure pays for it.
    text = xml.decode("utf-8")
    cleaned = drop_bad_char_refs(clean_chars(text))
    if cleaned != text:
        xml = cleaned.encode("utf-8")
        try:
            return _parse_fast(xml, url)
        except Exception as exc:
            fast_error = exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slow = feedparser.parse(xml, sanitize_html=False, resolve_relative_uris=False)
    if not slow.get("version") or (slow.get("bozo") and not slow.get("entries")):
        log.debug("fastfeedparser and feedparser both refused the document: %s", fast_error)
        raise FeedParseError(N_("not a feed: neither RSS, Atom nor JSON Feed"))
    return _from_mapping(slow.get("feed") or {}, slow.get("entries") or [], url)


def _parse_fast(xml: bytes, url: str) -> ParsedFeed:
    result: Mapping[str, Any] = fastfeedparser.parse(xml)
    return _from_mapping(result.get("feed") or {}, result.get("entries") or [], url)


def _from_mapping(feed: Mapping[str, Any], entries: Iterable[Any], url: str) -> ParsedFeed:
    parsed = []
    for item in entries:
        entry = _guarded(_entry_from_mapping, item, url)
        if entry is not None:
            parsed.append(entry)
    return ParsedFeed(
        title=feed_text(_str(feed.get("title")), limit=TITLE_LIMIT),
        entries=tuple(parsed),
        link=_absolute(_str(feed.get("link")), url) or "",
    )


def _entry_from_mapping(item: Any, url: str) -> FeedEntry | None:
    content = item.get("content") or []
    body = content[0].get("value", "") if content and isinstance(content[0], dict) else ""
    date = _date(item.get("published_parsed") or item.get("updated_parsed")) or _date(
        item.get("published") or item.get("updated")
    )
    return _entry(
        url,
        title=item.get("title"),
        link=item.get("link"),
        guid=item.get("id"),
        summary=item.get("description") or item.get("summary"),
        text=body,
        published=date,
    )


def _guarded(read: Callable[[Any, str], FeedEntry | None], item: Any, url: str) -> FeedEntry | None:
    """One item read by ``read``, or None when it cannot be: one bad item never costs the feed."""
    try:
        return read(item, url)
    except Exception:
        log.warning("skipped an unreadable item in the feed at %s", url, exc_info=True)
        return None


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FeedParseError(N_("not a readable feed: broken JSON")) from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
    ):
        raise FeedParseError(N_("not a feed: JSON without a JSON Feed version"))
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedParseError(N_("not a readable feed: JSON Feed without items"))
    parsed = []
    for item in items:
        entry = _guarded(_json_entry, item, url)
        if entry is not None:
            parsed.append(entry)
    return ParsedFeed(
        title=feed_text(_str(doc.get("title")), limit=TITLE_LIMIT),
        entries=tuple(parsed),
        link=_absolute(_str(doc.get("home_page_url")), url) or "",
    )


def _json_entry(item: Any, url: str) -> FeedEntry | None:
    if not isinstance(item, dict):
        return None
    html = _str(item.get("content_html"))
    plain = _str(item.get("content_text"))
    return _entry(
        url,
        title=item.get("title"),
        link=item.get("url") or item.get("external_url"),
        guid=item.get("id"),
        summary=item.get("summary") or html or plain,
        text=html or plain,
        text_is_html=bool(html),
        published=_date(item.get("date_published") or item.get("date_modified")),
    )


def _entry(
    base: str,
    *,
    title: object,
    link: object,
    guid: object,
    summary: object,
    text: object,
    published: datetime | None,
    text_is_html: bool = False,
) -> FeedEntry | None:
    """One cleaned entry, or None when it has neither a title nor a usable link.

    ``text_is_html``: the text is declared HTML (JSON Feed's ``content_html``); other fields
    are read as HTML only if they look like it.
    """
    guid_text = clean_chars(_str(guid)).strip()
    if _HOSTILE.search(guid_text):
        guid_text = ""
    url = _absolute(_str(link), base)
    if not url and guid_text.startswith(("http://", "https://")):
        url = _absolute(guid_text, base)
    raw_summary, raw_text = _str(summary), _str(text)
    convert = html_to_text if text_is_html else feed_text
    plain_text = convert(raw_text, limit=TEXT_LIMIT)
    # RSS readers give the description as both: read it once (half the cost of a big feed).
    if raw_summary == raw_text:
        plain_summary = truncate(plain_text, SUMMARY_LIMIT)
    else:
        plain_summary = feed_text(raw_summary, limit=SUMMARY_LIMIT)
    plain_title = feed_text(_str(title), limit=TITLE_LIMIT)
    if not plain_title and not url:
        return None
    return FeedEntry(
        title=plain_title or truncate(plain_summary, 200) or url or "",
        url=url or "",
        guid=truncate(guid_text or url or plain_title, GUID_LIMIT),
        summary=plain_summary,
        text=plain_text,
        published_at=published,
    )


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _absolute(link: str | None, base: str) -> str | None:
    """``link`` made absolute against ``base``; None unless it is an http(s) URL."""
    if not link:
        return None
    link = link.strip()
    parts: ParseResult | SplitResult
    try:
        parsed = urlparse(link) if link.startswith(("http://", "https://")) else None
        if parsed is not None and parsed.netloc:  # most links: what urljoin does, parsed once
            scheme = f"{parsed.scheme}:"
            joined = urlunparse(parsed) if base[: len(scheme)].lower() == scheme else link
            parts = parsed  # the same scheme, host and port as joined's
        else:
            joined = urljoin(base, link)
            parts = urlsplit(joined)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return joined if len(joined) <= URL_LIMIT else None


def _date(value: object) -> datetime | None:
    """An aware UTC datetime from a struct_time (feedparser) or a date string; None if unsure."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            text = value.strip()
            try:
                return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
            except ValueError:
                return as_utc(parsedate_to_datetime(text))
        if isinstance(value, time.struct_time):
            return datetime(*value[:6], tzinfo=UTC)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return None
