"""A page's main text, title, date and language, or its article links; never an invented article.

trafilatura finds the main text (measured on the corpus: ``bench/results/extraction.md``). What
it does not do is say whether a page *is* an article: it happily returns the text of a front
page, a club's "about us" page or a dictionary entry. ``read_page`` decides that first, from
what publishers declare (``og:type``, JSON-LD ``*Article`` types, ``article:published_time``)
and from the URL's shape (ids, dates, long slugs), and returns no article when neither speaks
for one. A section page (many article links, little text) yields its same-site article links.

Pure: bytes in, values out; no network, no database.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import charset_normalizer

from digests.sources.htmltext import html_to_text
from digests.sources.hygiene import clean_chars
from digests.timeutil import as_utc
from digests.truncation import truncate

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

TITLE_LIMIT = 500
TEXT_LIMIT = 100_000
MIN_TEXT = 150  # characters: below this an "article" is a teaser or an error page
SECTION_MIN_LINKS = 5
URL_LIMIT = 2048

# favor_precision and no comments: F1 0.974 on the aeb pages against 0.963 with the defaults,
# and ~30% faster (bench/extraction.py). fast=True is faster still but drops whole articles
# whose main text only the fallback extractors find (aeb-jaraguadosul: F1 0.13).
_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
}
_ARTICLE_TYPES = re.compile(
    r"^(?:\w*NewsArticle|Article|BlogPosting|Report|ScholarlyArticle|LiveBlogPosting|"
    r"OpinionNewsArticle|AnalysisNewsArticle|ReviewNewsArticle|BackgroundNewsArticle)$"
)
_NOT_ARTICLE_OG = frozenset({"website", "profile", "product", "book", "music.song", "place"})
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_REFRESH_URL = re.compile(r"^\s*(\d+)\s*[;,]\s*url\s*=", re.I)
_DIGITS = re.compile(r"\d{4,}")
_DATE_PATH = re.compile(r"(?:19|20)\d\d[/_-]?(?:0?[1-9]|1[0-2])(?:\b|[/_-])")
_WORDS = re.compile(r"[^\W\d_]+")
_ID_QUERY = re.compile(r"(?:^|&)(?:id|idx\w*|article\w*|story\w*|p|nid|aid|no)=\d+", re.I)
_NOT_ARTICLE_PATH = re.compile(
    r"/(?:tag|tags|topic|topics|category|categories|author|authors|search|page|login|signup|"
    r"subscribe|newsletter|about|contact|privacy|terms|cookies?|video|videos|live|gallery)"
    r"(?:/|$)",
    re.I,
)
# Windows code pages are what browsers use for these labels, and GB18030 reads all of GB2312.
_ALIASES = {
    "iso8859_1": "cp1252",
    "latin_1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859_9": "cp1254",
    "tis_620": "cp874",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)


@dataclass(frozen=True, slots=True)
class ExtractedArticle:
    """The article a page holds: its main text (paragraphs separated by newlines) and metadata."""

    url: str
    title: str
    text: str
    published_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class PageLink:
    """A link to what looks like an article, with its anchor text."""

    url: str
    label: str


@dataclass(frozen=True, slots=True)
class PageContent:
    """What a page is: an article, a section page listing article links, or neither."""

    url: str
    title: str = ""
    article: ExtractedArticle | None = None
    links: tuple[PageLink, ...] = ()

    @property
    def is_section(self) -> bool:
        """True if the page is no article but lists enough same-site article links."""
        return self.article is None and len(self.links) >= SECTION_MIN_LINKS


def decode_html(body: bytes, charset: str | None = None) -> str:
    """The page as text: BOM, else valid UTF-8, else the HTTP or ``<meta>`` charset, else a guess.

    Strictly valid UTF-8 wins over a declared single-byte charset: Latin-1 text with accents
    is practically never valid UTF-8, while pages that say ISO-8859-1 and hold UTF-8 are
    common. A page that declares UTF-8 but holds a broken byte keeps its UTF-8 reading.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(body[:32768])
    declared = match.group(1).decode("ascii", "replace") if match else None
    for label in (charset, declared):
        codec = _codec(label)
        if codec is not None and not codec.startswith(("utf_16", "utf_32")):
            return body.decode(codec, errors="replace")
    best = charset_normalizer.from_bytes(body[:65536]).best()
    return body.decode(_codec(best.encoding if best else None) or "cp1252", errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name.replace("-", "_")
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def looks_like_article_url(url: str) -> bool:
    """True if the URL has an article's shape: an id or date in the path, or a long slug.

    Front pages ("/"), sections ("/world/"), tag, author and about pages have none of these.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    path = parts.path
    if _NOT_ARTICLE_PATH.search(path) and not _DIGITS.search(path):
        return False
    if _DIGITS.search(path) or _DATE_PATH.search(path) or _ID_QUERY.search(parts.query):
        return True
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    slug = segments[-1].rsplit(".", 1)[0]
    return len(_WORDS.findall(slug)) >= 4 and any(sep in slug for sep in "-_+")


def read_page(
    body: bytes | str, *, url: str, charset: str | None = None, max_links: int = 50
) -> PageContent:
    """Decide what the page at ``url`` is and take what it holds.

    An article (with at least ``MIN_TEXT`` characters of main text) when the page declares
    itself one or its URL looks like one; otherwise up to ``max_links`` same-site links that
    look like articles (a section page when there are at least ``SECTION_MIN_LINKS``).
    Never raises on bad HTML: an unreadable page is neither.
    """
    # trafilatura (and lxml with it) is ~60 MB: imported by the first page read, so a process
    # that only sends digests never loads it.
    from trafilatura.metadata import extract_title
    from trafilatura.utils import load_html

    html = body if isinstance(body, str) else decode_html(body, charset)
    try:
        tree = load_html(html)
    except Exception:  # lxml raises a zoo of errors on garbage; a page we cannot read is empty
        log.debug("could not parse the page at %s", url, exc_info=True)
        tree = None
    if tree is None:
        return PageContent(url=url)
    signals = _signals(tree, url)
    links = _article_links(tree, signals.base, max_links)
    heading = clean_chars(signals.headline or extract_title(tree) or "")
    title = truncate(" ".join(heading.split()), TITLE_LIMIT)
    if signals.redirect or not (signals.declared_article or looks_like_article_url(url)):
        return PageContent(url=url, title=title, links=links)
    article = _extract(tree, signals, title)
    if article is None:
        return PageContent(url=url, title=title, links=links)
    return PageContent(url=url, title=title, article=article)


def extract_article(
    body: bytes | str, *, url: str, charset: str | None = None
) -> ExtractedArticle | None:
    """The article on the page at ``url``, or None for anything that is not one article."""
    return read_page(body, url=url, charset=charset, max_links=0).article


@dataclass(frozen=True, slots=True)
class _Signals:
    url: str
    base: str
    og_type: str
    declared_article: bool
    redirect: bool
    language: str | None
    published: datetime | None
    headline: str


def _signals(tree: HtmlElement, url: str) -> _Signals:
    og_type = _meta(tree, "og:type").lower()
    ld_types: list[str] = []
    headlines: list[str] = []
    _read_json_ld(tree, ld_types, headlines)
    published = _parse_date(
        _meta(tree, "article:published_time") or _meta(tree, "datePublished", attr="itemprop")
    )
    declared = (
        og_type == "article"
        or any(_ARTICLE_TYPES.match(t) for t in ld_types)
        or (published is not None and og_type not in _NOT_ARTICLE_OG)
    )
    redirect = False
    for refresh in tree.iterfind(".//meta[@http-equiv]"):
        if (refresh.get("http-equiv") or "").lower() == "refresh":
            found = _REFRESH_URL.match(refresh.get("content") or "")
            redirect = redirect or (found is not None and int(found.group(1)) < 30)
    base = url
    for link in tree.iterfind(".//base[@href]"):
        base = urljoin(url, link.get("href") or "")
        break
    return _Signals(
        url=url,
        base=base,
        og_type=og_type,
        declared_article=declared,
        redirect=redirect,
        language=_language(tree),
        published=published,
        headline=headlines[0] if headlines else "",
    )


def _extract(tree: HtmlElement, signals: _Signals, title: str) -> ExtractedArticle | None:
    import trafilatura

    try:
        document = trafilatura.bare_extraction(tree, url=signals.url, **_OPTIONS)
    except Exception:  # a bug in a third-party extractor must not stop a source's update
        log.warning("extraction failed on %s", signals.url, exc_info=True)
        return None
    if document is None or isinstance(document, dict):
        return None
    text = _clean_text(document.text or "", title)
    if len(text) < MIN_TEXT:
        return None
    return ExtractedArticle(
        url=signals.url,
        title=title,
        text=text[:TEXT_LIMIT],
        published_at=signals.published or _page_date(tree),
        language=signals.language,
    )


def _page_date(tree: HtmlElement) -> datetime | None:
    """The publication date htmldate finds in the markup (no guessing from free text)."""
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True)
    except Exception:  # htmldate on hostile markup: no date is better than no article
        log.debug("date search failed", exc_info=True)
        return None
    return _parse_date(found) if isinstance(found, str) else None


def _clean_text(text: str, title: str) -> str:
    """Paragraphs one per line, blank lines and a leading repeat of the title dropped."""
    lines = [" ".join(line.split()) for line in clean_chars(text).splitlines()]
    lines = [line for line in lines if line]
    key = _key(title)
    while lines and key and _key(lines[0]) == key:
        lines.pop(0)
    return "\n".join(lines)


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _meta(tree: HtmlElement, name: str, *, attr: str = "property") -> str:
    for element in tree.iterfind(".//meta"):
        key = element.get(attr) or element.get("name") or element.get("property") or ""
        if key.lower() == name.lower():
            return (element.get("content") or "").strip()
    return ""


def _read_json_ld(tree: HtmlElement, found: list[str], headlines: list[str]) -> None:
    """Collect the JSON-LD ``@type`` values and the headlines of article objects."""
    for script in tree.iterfind(".//script[@type]"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            found.extend(re.findall(r'"@type"\s*:\s*"(\w+)"', script.text))
            continue
        _collect_types(data, found, headlines, depth=0)


def _collect_types(data: object, found: list[str], headlines: list[str], *, depth: int) -> None:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data[:50]:
            _collect_types(item, found, headlines, depth=depth + 1)
    elif isinstance(data, dict):
        kind = data.get("@type")
        kinds = [kind] if isinstance(kind, str) else kind if isinstance(kind, list) else []
        kinds = [k for k in kinds if isinstance(k, str)]
        found.extend(kinds)
        headline = data.get("headline")
        if (
            isinstance(headline, str)
            and headline.strip()
            and any(_ARTICLE_TYPES.match(k) for k in kinds)
        ):
            headlines.append(html_to_text(headline, limit=TITLE_LIMIT))
        if "@graph" in data:
            _collect_types(data["@graph"], found, headlines, depth=depth + 1)


def _language(tree: HtmlElement) -> str | None:
    """The page's declared language as a bare ISO 639-1 code ("en-US" → "en"), if any."""
    for value in (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        _meta(tree, "og:locale"),
        _meta(tree, "content-language", attr="http-equiv"),
    ):
        code = (value or "").strip().replace("_", "-").split("-")[0].lower()
        if 2 <= len(code) <= 3 and code.isalpha():
            return code
    return None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(parsed) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _site(host: str) -> str:
    return host.lower().removeprefix("www.")


def _article_links(tree: HtmlElement, base: str, limit: int) -> tuple[PageLink, ...]:
    """Same-site links whose URL looks like an article's and whose anchor reads like a headline."""
    if limit <= 0:
        return ()
    try:
        home = _site(urlsplit(base).hostname or "")
    except ValueError:
        return ()
    page = _without_fragment(base)
    found: list[PageLink] = []
    seen: set[str] = {page}
    for anchor in tree.iterfind(".//a[@href]"):
        label = " ".join(clean_chars(anchor.text_content()).split())
        if len(label) < 15 and len(label.split()) < 3:
            continue
        try:
            link = _without_fragment(urljoin(base, (anchor.get("href") or "").strip()))
            parts = urlsplit(link)
        except ValueError:
            continue
        if (
            parts.scheme not in ("http", "https")
            or _site(parts.hostname or "") != home
            or len(link) > URL_LIMIT
            or link in seen
            or not looks_like_article_url(link)
        ):
            continue
        seen.add(link)
        found.append(PageLink(link, truncate(label, TITLE_LIMIT)))
        if len(found) >= limit:
            break
    return tuple(found)


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
