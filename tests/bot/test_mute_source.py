"""End to end: "Mute <source>" under a digest keeps that source out of the chat's digests and
/latest; the same button (or /settings) undoes it; group members cannot. The real bot, the
test Bot API server, a real outbox sender, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from digests import chat_languages
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.bot.conftest import Harness, button_data, button_labels
from tests.bot.digest_support import digest_due, tick_and_send
from tests.digests.test_editions import add_article, add_topics
from tests.support.botapi import StoredMessage

GROUP = -1004400


async def _follow_syria(harness: Harness, chat_id: int = 1001, **who: Any) -> int:
    [syria] = await add_topics(harness.db, "Syria")
    picker = await harness.send("/topics", chat_id=chat_id, **who)
    await harness.press(picker, button_data(picker, "Syria"), **who)
    return syria


async def _digest(
    harness: Harness, chat_id: int, syria: int, at: datetime, label: str = ""
) -> StoredMessage:
    """Items from Wire and from Daily Paper, then the chat's digest at ``at``."""
    seen = at - timedelta(hours=1)
    await add_article(harness.db, f"Border talks{label}", seen, {syria: 3}, source_name="Wire")
    await add_article(harness.db, f"Dam opens{label}", seen, {syria: 2}, source_name="Daily Paper")
    await tick_and_send(harness, at)
    return harness.server.messages(chat_id)[-1]


async def _press_mute(harness: Harness, message: StoredMessage, label: str, **who: Any) -> str:
    """Press a mute/unmute button; wait for the keyboard to change; return the toast."""
    mark = harness.server.mark()
    answer = await harness.press(message, button_data(message, label), expect_edit=False, **who)
    await harness.server.wait_for_call("editMessageReplyMarkup", since=mark)
    return str(answer.params.get("text") or "")


async def test_muting_a_source_from_a_digest_and_undoing_it(harness: Harness) -> None:
    syria = await _follow_syria(harness)
    now = utcnow()
    await digest_due(harness, 1001, now)
    digest = await _digest(harness, 1001, syria, now)
    assert "Border talks" in (digest.text or "") and "Dam opens" in (digest.text or "")
    assert button_labels(digest) == ["🔇 Mute Wire", "🔇 Mute Daily Paper"]

    toast = await _press_mute(harness, digest, "Mute Wire")
    assert toast.startswith("Muted Wire: its news stays out of this chat.")
    assert button_labels(harness.current(digest)) == ["🔊 Unmute Wire", "🔇 Mute Daily Paper"]
    latest = await harness.send("/latest")
    assert "Dam opens" in (latest.text or "") and "Border talks" not in (latest.text or "")
    settings = await harness.send("/settings")
    assert "Muted sources: Wire" in (settings.text or "")
    await add_article(harness.db, "Border again", utcnow(), {syria: 3}, source_name="Wire")
    await add_article(harness.db, "Dam again", utcnow(), {syria: 2}, source_name="Daily Paper")
    preview = await harness.send("/digest")
    assert "Dam again" in (preview.text or "") and "Border again" not in (preview.text or "")
    assert button_labels(preview) == ["🔇 Mute Daily Paper"]

    tomorrow = await _digest(harness, 1001, syria, now + timedelta(days=1), " tomorrow")
    assert "Dam opens tomorrow" in (tomorrow.text or "")
    assert "Border" not in (tomorrow.text or "")
    assert button_labels(tomorrow) == ["🔇 Mute Daily Paper"]

    await harness.press(settings, button_data(settings, "Muted sources: 1"))
    muted = harness.current(settings)
    assert button_labels(muted) == ["🔊 Unmute Wire", "‹ Back"]
    answer = await harness.press(muted, button_data(muted, "Unmute Wire"))
    assert answer.params.get("text") == "Wire is back in this chat's news."
    assert "Muted sources" not in (harness.current(settings).text or "")
    latest = await harness.send("/latest")
    assert "Border talks" in (latest.text or "")

    # The button on the old digest still works (it says Unmute: pressing it again is harmless).
    await _press_mute(harness, harness.current(digest), "Unmute Wire")
    assert button_labels(harness.current(digest)) == ["🔇 Mute Wire", "🔇 Mute Daily Paper"]


async def test_in_a_group_only_admins_mute(harness: Harness) -> None:
    admin = {"user_id": 501, "chat_type": "supergroup"}
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    harness.server.set_member_status(GROUP, 501, "administrator")
    harness.server.set_member_status(GROUP, 502, "member")
    syria = await _follow_syria(harness, GROUP, **admin)
    now = utcnow()
    await digest_due(harness, GROUP, now)
    digest = await _digest(harness, GROUP, syria, now)

    refusal = await harness.press(digest, button_data(digest, "Mute Wire"), user_id=502,
                                  chat_type="supergroup", expect_edit=False)  # fmt: skip
    assert refusal.params.get("show_alert") is True
    assert button_labels(harness.current(digest))[0] == "🔇 Mute Wire"
    assert (await _press_mute(harness, digest, "Mute Wire", **admin)).startswith("Muted Wire")


async def test_an_arabic_chat_gets_arabic_mute_buttons(harness: Harness) -> None:
    syria = await _follow_syria(harness)
    me = ChatRef(1001, ChatKind.PRIVATE, title="Test")
    await chat_languages.set_chat_language(harness.db, me, "ar", harness.settings, now=utcnow())
    now = utcnow()
    await digest_due(harness, 1001, now)
    digest = await _digest(harness, 1001, syria, now)
    assert button_labels(digest) == ["🔇 كتم Wire", "🔇 كتم Daily Paper"]

    toast = await _press_mute(harness, digest, "كتم Wire")

    assert toast.startswith("كُتم Wire")
    assert button_labels(harness.current(digest))[0] == "🔊 إلغاء كتم Wire"
