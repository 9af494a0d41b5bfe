"""Logging set-up that never writes the bot token, wherever it appears: records, crashes, stderr.

Three layers, because the token reaches output by three roads: log records (httpx URLs, error
texts), tracebacks Python prints itself (an ``InvalidToken`` escaping the event loop names the
token), and anything a library writes straight to stderr. :func:`install_redaction` covers the
last two; :func:`setup_logging` the first, in text or JSON (one object per line, with the chat,
update and outbox ids of :mod:`digests.logcontext` where they apply).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
import traceback
from types import TracebackType
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from digests import logcontext
from digests.settings import Settings

_REDACTED = "<BOT_TOKEN>"
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


# A Bot API token is "<bot id>:<secret>"; the secret is 35 characters today. Anything else set
# as BOT_TOKEN (a placeholder such as "a") is not hidden: hiding it would garble every text
# that holds those letters, and the Bot API refuses it anyway.
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{4,}")
# A webhook secret shorter than this is hidden nowhere, for the same reason.
_MIN_SECRET = 8


def secrets_of(settings: Settings) -> list[str]:
    """What must never be printed: the bot token and the webhook secret, when they are shaped
    like the real thing (see _TOKEN_SHAPE)."""
    found: list[str] = []
    if settings.bot_token is not None:
        token = settings.bot_token.get_secret_value().strip()
        if _TOKEN_SHAPE.fullmatch(token):
            found.append(token)
    if settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value().strip()
        if len(secret) >= _MIN_SECRET:
            found.append(secret)
    return found


class Scrubber:
    """Replaces each secret in a text, in any letter case and with ``:`` percent-encoded.

    Error texts do not keep the token as sent: python-telegram-bot lower-cases some Bot API
    descriptions, and URLs may carry ``%3A`` for the colon. The part after the token's colon
    is the secret one, so it is also hidden on its own.
    """

    def __init__(self, secrets: list[str]) -> None:
        parts = {s for s in secrets if s}
        parts |= {s.split(":", 1)[1] for s in secrets if ":" in s and len(s.split(":", 1)[1]) >= 8}
        self.secrets = sorted(parts, key=len, reverse=True)
        self._lowered = [s.lower() for s in self.secrets]
        alternatives = [re.escape(s).replace(":", "(?::|%3a)") for s in self.secrets]
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(_REDACTED, text)

    def longest_partial(self, text: str) -> int:
        """The length of the longest tail of ``text`` that begins a secret (0 if none)."""
        tail = text[-max((len(s) for s in self._lowered), default=0) :].lower()
        for size in range(len(tail), 0, -1):
            piece = tail[-size:]
            if any(s.startswith(piece) and len(s) > size for s in self._lowered):
                return size
        return 0


class TokenFilter(logging.Filter):
    """Replaces the bot token in every record's message and arguments."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._scrub = Scrubber(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._scrub.secrets:
            return True
        message = record.getMessage()
        scrubbed = self._scrub(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        return True


class ContextFilter(logging.Filter):
    """Adds the chat, update and outbox ids set in the current context to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in logcontext.current().items():
            setattr(record, name, value)
        return True


class ScrubbingFormatter(logging.Formatter):
    """Formats with another formatter, then scrubs the whole line (tracebacks included)."""

    def __init__(self, inner: logging.Formatter, scrub: Scrubber) -> None:
        super().__init__()
        self._inner = inner
        self._scrub = scrub

    def format(self, record: logging.LogRecord) -> str:
        return self._scrub(self._inner.format(record))


class RedactingStream:
    """A text stream that scrubs secrets from everything written through it.

    A secret split across two writes is caught too: a tail that could begin a secret is held
    back until the next write or flush.
    """

    def __init__(self, stream: TextIO, scrub: Scrubber) -> None:
        self._stream = stream
        self._scrub = scrub
        self._held = ""

    def write(self, text: str) -> int:
        data = self._held + text
        # Scrub first, then hold back a tail that may be the start of a secret cut in two.
        scrubbed = self._scrub(data)
        keep = self._scrub.longest_partial(scrubbed)
        self._held = scrubbed[len(scrubbed) - keep :] if keep else ""
        self._stream.write(scrubbed[: len(scrubbed) - keep])
        return len(text)

    def flush(self) -> None:
        if self._held:
            self._stream.write(self._scrub(self._held))
            self._held = ""
        self._stream.flush()

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def install_redaction(secrets: list[str]) -> Scrubber:
    """Scrub ``secrets`` from stdout, stderr and every uncaught exception, in any thread.

    Idempotent: installing again replaces the secrets.
    """
    scrub = Scrubber(secrets)
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if isinstance(current, RedactingStream):
            current._scrub = scrub
        else:
            setattr(sys, name, RedactingStream(current, scrub))

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(scrub(text))
        sys.stderr.flush()

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        text = "".join(
            traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        )
        sys.stderr.write(scrub(f"Exception in thread {name}:\n{text}"))
        sys.stderr.flush()

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return scrub


def asyncio_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log what asyncio could not deliver (a task's lost exception) through logging's filters."""
    exception = context.get("exception")
    logging.getLogger("asyncio").error(
        "%s",
        context.get("message", "unhandled exception in the event loop"),
        exc_info=(type(exception), exception, exception.__traceback__) if exception else None,
    )


def setup_logging(level: str, secrets: list[str], log_format: str = "text") -> None:
    """Log to stderr at ``level`` as text or JSON lines; scrub secrets; no per-request URLs."""
    scrub = Scrubber(secrets)
    handler = logging.StreamHandler()
    inner: logging.Formatter
    if log_format == "json":
        inner = JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC, e.g. 2026-11-30T05:09:50.418000+00:00
        )
    else:
        inner = logging.Formatter(_TEXT_FORMAT)
    handler.setFormatter(ScrubbingFormatter(inner, scrub))
    handler.addFilter(TokenFilter(secrets))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and python-telegram-bot's URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Readiness checks read the schema version each time; Alembic would log each one.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
