"""Canonical article URLs: one spelling per article, so the same story is stored once."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan

# Query parameters that only say where a click came from. Everything else is kept: on many
# news sites the query selects the article (``?id=123``).
_TRACKING_PREFIXES = ("utm_", "at_", "mc_", "pk_", "mtm_", "hsa_", "_hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "smid",
        "mkt_tok",
        "ito",
        "rss",
        "ref_src",
        "ref_url",
        "__twitter_impression",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "_hsenc",
        "_hsmi",
        "sr_share",
        "spm",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in _TRACKING_NAMES or key.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The URL with scheme and host lowercased, no fragment, default port or tracking params.

    Other query parameters are kept (sorted, via courlan), so ``?id=1`` and ``?id=2`` stay two
    articles. A string that is not an absolute http(s) URL is returned stripped but otherwise
    untouched: the caller decides whether it is acceptable.
    """
    url = url.strip()
    try:
        normalized = courlan.normalize_url(url, strict=False)
    except (ValueError, TypeError, AttributeError):
        normalized = url
    parts = urlsplit(normalized)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        netloc = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{netloc}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))
