"""A new chat's first updates arrive together: each handler registers the chat, and none fails."""

from __future__ import annotations

from tests.bot.conftest import Harness

APOLOGY = "Sorry, something went wrong"


async def test_a_new_chats_first_commands_at_once_all_get_their_answers(harness: Harness) -> None:
    server = harness.server
    commands = ["/start", "/latest", "/topics", "/settings", "/help", "/following"]
    for round_ in range(3):
        chat_id = 5000 + round_
        mark = server.mark()
        for command in commands:  # queued before the bot polls: one getUpdates, run at once
            server.inject_message(chat_id, command)
        calls = await server.wait_for_call(
            "sendMessage", chat_id=chat_id, since=mark, count=len(commands)
        )
        texts = [str(call.params.get("text", "")) for call in calls]
        assert not any(APOLOGY in text for text in texts), texts
