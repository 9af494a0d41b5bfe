"""Characters no text from outside may carry: invalid code points, controls, bidi overrides.

Feeds, pages and source names come from strangers. A lone surrogate (``&#xD800;``) cannot be
encoded, so one in a title used to make the whole feed unstorable; a NUL is refused by
PostgreSQL; a right-to-left override (U+202E) turns "gpj.exe" into "exe.jpg" on screen and
spills over into the text Telegram shows after it. Each such character is dropped on its
own, so the rest of the text, and every other item, is kept. The left-to-right and
right-to-left *marks* (U+200E, U+200F, U+061C) stay: Arabic text uses them legitimately.
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi
# embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069); surrogates; the
# noncharacters of the Basic Multilingual Plane. (The other planes' noncharacters are valid
# UTF-8 and harmless; naming them in the class makes the scan 25 times slower.)
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# A character reference XML 1.0 forbids (its Char production): a control, a surrogate, U+FFFE,
# U+FFFF, or beyond U+10FFFF. fastfeedparser's lxml stores ``&#xD800;`` as bytes it then
# cannot decode, and the whole document fails.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


# The unwanted characters an ASCII text can hold, for the byte-level fast path.
_ASCII_UNWANTED = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def clean_chars(text: str) -> str:
    """``text`` without invalid code points, control characters and bidi overrides."""
    if text.isascii():  # most feed text: bytes.translate scans it 5x faster than the regex
        raw = text.encode("ascii")
        kept = raw.translate(None, _ASCII_UNWANTED)
        return text if len(kept) == len(raw) else kept.decode("ascii")
    return _UNWANTED.sub("", text)


def allowed_code_point(code: int) -> bool:
    """True if the character ``code`` may appear in stored text (see :func:`clean_chars`)."""
    if code > 0x10FFFF:
        return False
    return code in (0x9, 0xA, 0xD) or not _UNWANTED.match(chr(code))


def drop_bad_char_refs(document: str) -> str:
    """``document`` (XML or HTML source) without references to characters nobody may store."""
    if "&#" not in document:
        return document
    return _CHAR_REF.sub(_keep_ref, document)


def _keep_ref(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return match.group(0) if allowed_code_point(code) else ""
