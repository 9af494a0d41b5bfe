"""Every command with a 4,000-character argument: each reply fits Telegram's limits.

The test Bot API server refuses a message over 4,096 characters as Telegram does, so a reply
that echoes the argument in full would fail and the user would get the apology instead.
"""

from __future__ import annotations

import pytest

from digests.timeutil import utcnow
from digests.topics import add_topic
from tests.bot.conftest import ADMIN_ID, Harness
from tests.support.botapi import StoredMessage

LONG = 4000
SHAPES = {
    "one word": "x" * LONG,
    "words": ("Syria <b>&amp; “Iraq” & " * 200)[:LONG],
}
USER_COMMANDS = [
    "/start",
    "/help",
    "/topics",
    "/latest",
    "/digest",
    "/stop",
    "/settings",
    "/cancel",
    "/follow",
    "/following",
    "/unfollow",
    "/language",
    "/languages",
    "/nosuchcommand",
    "",  # free text
]
ADMIN_COMMANDS = [
    "/sources",
    "/addsource",
    "/addsource http://127.0.0.1:9/feed.xml",  # a long name after the URL
    "/addtopic",
    "/addtopic Name:",  # long keywords
    "/edittopic",
    "/edittopic Name:",
    "/deltopic",
    "/stats",
]
APOLOGY = "Sorry, something went wrong"


def _texts(harness: Harness, chat_id: int, since: int) -> list[str]:
    """What the bot said in ``chat_id`` after call ``since``, each call checked as accepted."""
    said = []
    for call in harness.server.calls[since:]:
        if call.params.get("chat_id") != chat_id:
            continue
        if call.method in ("sendMessage", "editMessageText"):
            assert call.ok, (call.method, call.response)
            said.append(str(call.params.get("text", "")))
        elif call.method in ("sendDocument", "sendPhoto"):
            assert call.ok, (call.method, call.response)
    return said


async def _reply(harness: Harness, text: str, chat_id: int) -> list[str]:
    mark = harness.server.mark()
    await harness.send(text, chat_id=chat_id)
    return _texts(harness, chat_id, mark)


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_every_command_with_a_long_argument_gets_its_own_answer(
    harness: Harness, shape: str
) -> None:
    argument = SHAPES[shape]
    for number in range(40):  # /latest NAME lists the topics there are after the echo
        await add_topic(harness.db, f"Curated topic number {number:02}", "word", now=utcnow())
    await harness.send("/start")
    for command in USER_COMMANDS:
        said = await _reply(harness, f"{command} {argument}".strip(), 1001)
        assert said and not any(APOLOGY in text for text in said), (command, said)
    for command in ADMIN_COMMANDS:
        said = await _reply(harness, f"{command} {argument}", ADMIN_ID)
        assert said and not any(APOLOGY in text for text in said), (command, said)
    mark = harness.server.mark()
    harness.server.inject_message(ADMIN_ID, f"/export {argument}")
    await harness.server.wait_for_call("sendDocument", chat_id=ADMIN_ID, since=mark)
    assert not any(APOLOGY in text for text in _texts(harness, ADMIN_ID, mark))


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
async def test_long_typed_answers_and_messages_get_their_own_answer(
    harness: Harness, shape: str
) -> None:
    argument = SHAPES[shape]
    settings = await harness.send("/settings")
    for prompt in ("t", "z", "n"):
        await _ask(harness, settings, f"set:ask:{prompt}")
        said = await _reply(harness, argument, 1001)
        assert said and not any(APOLOGY in text for text in said), (prompt, said)
        await harness.send("/cancel")
    await harness.send("/broadcast", chat_id=ADMIN_ID)
    said = await _reply(harness, argument + "</i>", ADMIN_ID)  # refused: it echoes the problem
    assert said and not any(APOLOGY in text for text in said), said
    said = await _reply(harness, "<" + argument.replace(" ", "") + ">", ADMIN_ID)
    assert said and not any(APOLOGY in text for text in said), said


async def _ask(harness: Harness, message: StoredMessage, data: str) -> None:
    mark = harness.server.mark()
    await harness.press(message, data, expect_edit=False)
    await harness.server.wait_for_call("sendMessage", chat_id=message.chat_id, since=mark)
