"""The bot token never reaches a log line, whatever logs it."""

from __future__ import annotations

import logging

import pytest

from bot.logs import TokenFilter

TOKEN = "123456:AAE-secret-token_value"


def _formatted(record: logging.LogRecord) -> str:
    handler = logging.StreamHandler()
    handler.addFilter(TokenFilter([TOKEN]))
    assert handler.filter(record)
    return logging.Formatter("%(message)s").format(record)


def test_token_in_a_url_argument_is_hidden() -> None:
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: POST %s "%s"',
        (f"https://api.telegram.org/bot{TOKEN}/getUpdates", "HTTP/1.1 200 OK"),
        None,
    )
    text = _formatted(record)
    assert TOKEN not in text
    assert "bot<BOT_TOKEN>/getUpdates" in text


def test_token_in_a_traceback_is_hidden() -> None:
    try:
        raise RuntimeError(f"failed calling https://x/bot{TOKEN}/sendMessage")
    except RuntimeError:
        import sys

        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    text = _formatted(record)
    assert TOKEN not in text
    assert "<BOT_TOKEN>" in text


def test_setup_keeps_http_request_logs_out(caplog: pytest.LogCaptureFixture) -> None:
    from bot.logs import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("INFO", [TOKEN])
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
