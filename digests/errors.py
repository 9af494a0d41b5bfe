"""The one exception tree of newsbot; each docstring says when the error is raised.

NewsbotError
├── ConfigError            a setting is missing or invalid
├── SourceError            a source could not be added or read
│   ├── SourceRefused      its address is private/loopback, or its URL is not http(s)
│   ├── FetchError         the HTTP fetch failed (network, status, size, timeout)
│   │   └── TooLarge       the body is over FETCH_MAX_BYTES
│   └── FeedParseError     the body is not a feed we can read
├── NotFound               a named topic, source or chat does not exist
├── InvalidInput           a user-supplied value (keyword list, time, name) is malformed
│   ├── UnknownZone        a typed time zone names no zone, offset, city or country
│   └── UnclearTime        a typed time of day is not one
└── Duplicate              the thing being added exists already
"""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every error newsbot raises on purpose; its message is shown to people.

    ``message`` may be a catalog message id with printf-style placeholders filled from
    ``values`` (``InvalidInput(N_("at most %(n)d words"), n=10)``): ``str(exc)`` is the English
    text, and a chat sees it translated (``bot.chat.ChatContext.explain``).
    """

    def __init__(self, message: str = "", /, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


class ConfigError(NewsbotError):
    """Raised at start when a setting is missing or invalid; the message names the setting."""


class SourceError(NewsbotError):
    """Raised when a source cannot be added or read; recorded on the source, never fatal."""


class SourceRefused(SourceError):
    """Raised when a source URL is not http(s) or resolves to a private/loopback address."""


class PrivateAddress(SourceRefused):
    """Raised when a source's host is or resolves to a private, loopback or local address."""


class FetchError(SourceError):
    """Raised when fetching a URL fails: network error, bad status, too large, too slow."""


class TooLarge(FetchError):
    """Raised when a fetched body (after decompression) is larger than ``FETCH_MAX_BYTES``."""


class FeedParseError(SourceError):
    """Raised when a fetched body is neither a feed nor something we can read as one."""


class NotFound(NewsbotError):
    """Raised when a named topic, source or chat does not exist."""


class InvalidInput(NewsbotError):
    """Raised when a user-supplied value is malformed; the message says what is expected."""


class Duplicate(NewsbotError):
    """Raised when adding something that exists already (a topic name, a source URL)."""


class UnknownZone(InvalidInput):
    """Raised when typed text names no time zone, offset, city or country we know.

    ``problem`` says why, for a reply in the chat's language: "empty", "unknown" (with up to
    three ``suggestions``, "Baghdad (Asia/Baghdad)"), "offset_range" (beyond UTC−12..UTC+14),
    "offset_not_fixed" (no zone keeps that offset all year, e.g. UTC−03:30) or "location".
    """

    def __init__(
        self, typed: str, suggestions: tuple[str, ...] = (), problem: str = "unknown"
    ) -> None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown time zone {typed!r} ({problem}).{hint}")
        self.typed = typed
        self.suggestions = suggestions
        self.problem = problem


class UnclearTime(InvalidInput):
    """Raised when typed text is not a time of day ("25:00", "noonish")."""

    def __init__(self, typed: str) -> None:
        super().__init__(f"{typed!r} is not a time; send it as HH:MM, e.g. 07:30 or 7:30 pm")
        self.typed = typed
