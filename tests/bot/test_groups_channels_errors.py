"""Groups and channels, refusals, the error handler, and logs without the token."""

from __future__ import annotations

import logging

import pytest

from bot.handlers import latest as latest_handler
from bot.logs import setup_logging
from digests import topics
from digests.timeutil import utcnow
from tests.bot.conftest import Harness, button_data, button_labels

GROUP = -100777
ADMIN_USER = 501
MEMBER_USER = 502


async def test_group_admin_toggles_but_member_is_refused(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    harness.server.set_member_status(GROUP, ADMIN_USER, "administrator")
    harness.server.set_member_status(GROUP, MEMBER_USER, "member")
    picker = await harness.send(
        "/topics", chat_id=GROUP, chat_type="supergroup", user_id=MEMBER_USER
    )

    refusal = await harness.press(
        picker,
        button_data(picker, "Syria"),
        user_id=MEMBER_USER,
        chat_type="supergroup",
        expect_edit=False,
    )
    assert refusal.params.get("text") == "Only this group's admins can change what it follows."
    assert refusal.params.get("show_alert") is True
    assert button_labels(harness.current(picker)) == ["Syria"]

    await harness.press(
        picker, button_data(picker, "Syria"), user_id=ADMIN_USER, chat_type="supergroup"
    )
    assert button_labels(harness.current(picker)) == ["✅ Syria"]


async def test_group_member_cannot_stop_the_group(harness: Harness) -> None:
    harness.server.add_chat(GROUP, "group", title="Readers")
    harness.server.set_member_status(GROUP, MEMBER_USER, "member")
    reply = await harness.send("/stop", chat_id=GROUP, chat_type="group", user_id=MEMBER_USER)
    assert reply.text == "Only this group's admins can change what it follows."


async def test_group_chatter_gets_no_hint_but_addressed_commands_do(harness: Harness) -> None:
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    mark = harness.server.mark()
    harness.server.inject_message(GROUP, "lunch anyone?", chat_type="supergroup", user_id=9)
    harness.server.inject_message(GROUP, "/other_bots_command", chat_type="supergroup", user_id=9)
    reply = await harness.send(
        f"/nonsense@{harness.server.username}", chat_id=GROUP, chat_type="supergroup", user_id=9
    )
    assert reply.text is not None and reply.text.startswith("I didn't get that.")
    sent = harness.server.calls_of("sendMessage", chat_id=GROUP)
    assert len([c for c in sent if harness.server.calls.index(c) >= mark]) == 1


async def test_channel_admin_subscribes_and_a_reader_cannot(harness: Harness) -> None:
    await topics.add_topic(harness.db, "Syria", "syria", now=utcnow())
    channel = -100888
    picker = await harness.send("/topics", chat_id=channel, chat_type="channel", title="Wire")
    harness.server.set_member_status(channel, ADMIN_USER, "administrator")
    harness.server.set_member_status(channel, MEMBER_USER, "member")
    refusal = await harness.press(
        picker,
        button_data(picker, "Syria"),
        user_id=MEMBER_USER,
        chat_type="channel",
        expect_edit=False,
    )
    assert refusal.params.get("show_alert") is True
    assert button_labels(harness.current(picker)) == ["Syria"]
    await harness.press(
        picker, button_data(picker, "Syria"), user_id=ADMIN_USER, chat_type="channel"
    )
    assert button_labels(harness.current(picker)) == ["✅ Syria"]


async def test_a_failing_handler_apologises_and_others_are_still_served(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = latest_handler.latest_headlines

    async def broken_for_one_chat(db, chat_id, topic_name=None, **kw):  # type: ignore[no-untyped-def]
        if chat_id == 666:
            raise RuntimeError("database on fire")
        return await real(db, chat_id, topic_name, **kw)

    monkeypatch.setattr(latest_handler, "latest_headlines", broken_for_one_chat)
    with caplog.at_level(logging.ERROR):
        apology = await harness.send("/latest", chat_id=666)
    assert apology.text == "Sorry, something went wrong on my side. Please try again in a minute."
    assert any("database on fire" in str(r.exc_info) for r in caplog.records)
    fine = await harness.send("/latest", chat_id=1001)
    assert "You don't follow any topics yet" in (fine.text or "")


async def test_token_never_reaches_the_log(
    harness: Harness, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        setup_logging("DEBUG", [harness.settings.token])
        await harness.send("/start")
        await harness.send("/latest")
        logging.getLogger("telegram").debug("calling %s", harness.application.bot.base_url)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    err = capfd.readouterr().err
    assert "<BOT_TOKEN>" in err
    assert harness.settings.token not in err
