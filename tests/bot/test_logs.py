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


def test_a_token_cut_across_writes_or_lower_cased_is_hidden() -> None:
    import io

    from bot.logs import RedactingStream, Scrubber

    sink = io.StringIO()
    stream = RedactingStream(sink, Scrubber([TOKEN]))  # type: ignore[arg-type]
    half = len(TOKEN) // 2
    stream.write(f"calling /bot{TOKEN[:half]}")
    stream.write(f"{TOKEN[half:]}/getMe\n")
    stream.write(f"BadRequest: /bot{TOKEN.lower()}/sendmessage and 123456%3A{TOKEN[7:]}")
    stream.flush()
    text = sink.getvalue()
    assert TOKEN.split(":")[1].lower() not in text.lower()
    assert text.count("<BOT_TOKEN>") == 3


def test_crashes_in_threads_tasks_and_at_top_level_print_no_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    script = tmp_path / "crash.py"
    script.write_text(
        f"""
import asyncio, gc, threading
from bot.logs import asyncio_exception_handler, install_redaction, setup_logging
install_redaction([{TOKEN!r}])
setup_logging("INFO", [{TOKEN!r}], "json")

def in_thread():
    raise RuntimeError("thread saw {TOKEN}")

worker = threading.Thread(target=in_thread, name="worker")
worker.start()
worker.join()

async def lost():
    raise RuntimeError("task saw {TOKEN}")

async def main():
    asyncio.get_running_loop().set_exception_handler(asyncio_exception_handler)
    task = asyncio.create_task(lost())
    await asyncio.sleep(0.01)
    del task
    gc.collect()

asyncio.run(main())
raise RuntimeError("top level saw {TOKEN}")
"""
    )
    from tests.support.service import ROOT

    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert TOKEN.split(":")[1].lower() not in out.lower()
    assert "thread saw <BOT_TOKEN>" in out
    assert "task saw <BOT_TOKEN>" in out
    assert "top level saw <BOT_TOKEN>" in out


async def test_json_lines_of_the_sender_carry_the_outbox_row_and_chat(db) -> None:  # type: ignore[no-untyped-def]
    import io
    import json

    from pythonjsonlogger.json import JsonFormatter

    from bot.logs import ContextFilter, Scrubber, ScrubbingFormatter
    from digests.delivery import Delivery
    from digests.pacing import Pacer
    from digests.ports import OutgoingMessage, SendOutcome, SendStatus
    from digests.store import outbox
    from digests.store.outbox import Lane, OutboxDraft
    from digests.timeutil import utcnow

    class Refusing:
        async def send(self, message: OutgoingMessage) -> SendOutcome:
            return SendOutcome(SendStatus.FAILED, detail="Bad Request: message is too long")

    async with db.transaction() as session:
        await outbox.enqueue(session, [OutboxDraft("k-1", 555, Lane.DIGEST, "x")], utcnow())
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(ScrubbingFormatter(JsonFormatter(), Scrubber([TOKEN])))
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("digests.delivery")
    logger.addHandler(handler)
    try:
        await Delivery(db, Refusing(), Pacer(100)).drain_once()
    finally:
        logger.removeHandler(handler)
    records = [json.loads(line) for line in sink.getvalue().splitlines()]
    (failed,) = [r for r in records if "failed" in r["message"]]
    assert failed["chat_id"] == 555
    assert isinstance(failed["outbox_id"], int)
