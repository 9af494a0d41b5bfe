"""OPML subscription lists read and written: feed URLs with their names and fetch intervals.

Pure: bytes in, values out, no database or network. Reading accepts what other readers export
(OPML 1.0 and 2.0, outlines nested in folders, ``xmlUrl`` with ``title`` or ``text``); writing
keeps our own fetch interval in a namespaced attribute (``newsbot:interval="900"``) that other
readers ignore. The XML parser resolves no entities, loads no DTD and touches no network, so a
hostile file can neither read local files (XXE) nor fetch anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from lxml import etree

from digests.errors import InvalidInput
from digests.i18n import N_

NAMESPACE = "urn:newsbot:opml"
_INTERVAL = f"{{{NAMESPACE}}}interval"
_KIND = f"{{{NAMESPACE}}}kind"
MAX_BYTES = 2_000_000
MAX_FEEDS = 5_000


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: the feed's URL, its display name and (ours only) fetch interval."""

    url: str
    name: str = ""
    interval: int | None = None
    kind: str = "feed"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _interval(raw: str | None) -> int | None:
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw.strip())
    return value if value > 0 else None


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Every feed in an OPML document, in document order, each URL once.

    Raises InvalidInput when the data is not an OPML document. Outlines without ``xmlUrl``
    are folders (their children are read) or plain notes (skipped).
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(N_("the OPML file is larger than %(mb)d MB"), mb=MAX_BYTES // 1_000_000)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        broken = InvalidInput(N_("not an OPML file: the XML is broken"))
        broken.args = (f"{broken} ({exc.msg})",)  # lxml's English detail: logs and English
        raise broken from None
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise InvalidInput(N_("not an OPML file: the document does not start with <opml>"))
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline in root.iter("{*}outline", "outline"):
        url = _attribute(outline, "xmlUrl")
        if not url or url in seen:
            continue
        seen.add(url)
        name = _attribute(outline, "title") or _attribute(outline, "text")
        kind = outline.get(_KIND) or "feed"
        feeds.append(
            OpmlFeed(
                url=url,
                name=" ".join(name.split()),
                interval=_interval(outline.get(_INTERVAL)),
                kind=kind if kind in {"feed", "page"} else "feed",
            )
        )
        if len(feeds) > MAX_FEEDS:
            raise InvalidInput(N_("the OPML file lists more than %(max)d feeds"), max=MAX_FEEDS)
    return feeds


def _attribute(element: etree._Element, name: str) -> str:
    """An attribute by name in any case (some exporters write ``xmlurl``), stripped."""
    for key, value in element.attrib.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return str(value).strip()
    return ""


def write_opml(feeds: Sequence[OpmlFeed], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document listing ``feeds`` flat, names in ``text`` and ``title``."""
    root = etree.Element("opml", nsmap={"newsbot": NAMESPACE})
    root.set("version", "2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now)
    body = etree.SubElement(root, "body")
    for feed in feeds:
        outline = etree.SubElement(body, "outline")
        outline.set("type", "rss")
        outline.set("text", feed.name or feed.url)
        outline.set("title", feed.name or feed.url)
        outline.set("xmlUrl", feed.url)
        if feed.interval is not None:
            outline.set(_INTERVAL, str(feed.interval))
        if feed.kind != "feed":
            outline.set(_KIND, feed.kind)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
