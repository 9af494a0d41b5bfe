"""End to end: /settings shows a chat's digest settings and changes them by button or by typing."""

from __future__ import annotations

import re

from bot.app import drop_empty_chat_state
from digests.chat_settings import get_settings
from digests.timeutil import utcnow
from digests.types import ChatKind, ChatRef
from tests.bot.conftest import Harness, button_data, button_labels
from tests.support.botapi import StoredMessage

PRIVATE = 1001
GROUP = -100555
ADMIN_USER = 601
MEMBER_USER = 602
NEXT_DIGEST = re.compile(
    r"^Next digest: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3}, (\d\d:\d\d) \((.+)\)$", re.M
)


def text_of(message: StoredMessage) -> str:
    return message.text or ""


def next_digest(message: StoredMessage) -> tuple[str, str, str]:
    found = NEXT_DIGEST.search(text_of(message))
    assert found, text_of(message)
    return found.group(1), found.group(2), found.group(3)


async def press_to(
    harness: Harness,
    message: StoredMessage,
    label: str,
    *,
    user_id: int | None = None,
    chat_type: str = "private",
) -> str:
    """Press the button labelled ``label`` on the message as it is now; return the toast."""
    data = button_data(harness.current(message), label)
    answer = await harness.press(message, data, user_id=user_id, chat_type=chat_type)
    return str(answer.params.get("text", ""))


async def ask(
    harness: Harness,
    message: StoredMessage,
    label: str,
    *,
    user_id: int | None = None,
    chat_type: str = "private",
) -> StoredMessage:
    """Press a "type…" button and return the prompt the bot sent."""
    mark = harness.server.mark()
    data = button_data(harness.current(message), label)
    await harness.press(message, data, user_id=user_id, chat_type=chat_type, expect_edit=False)
    (call,) = await harness.server.wait_for_call("sendMessage", chat_id=message.chat_id, since=mark)
    return harness.server.message(message.chat_id, call.result["message_id"])


async def test_settings_shows_the_defaults_and_the_next_digest(harness: Harness) -> None:
    shown = await harness.send("/settings")
    text = text_of(shown)
    assert text.startswith("Digest settings")
    for line in (
        "Time: 08:00",
        "Time zone: UTC",
        "Frequency: every day",
        "Items per digest: up to 10",
        "When nothing is new: stay quiet",
        "Sound: digests notify as usual",
        "Quiet hours: none",
    ):
        assert line in text.splitlines()
    assert next_digest(shown)[1:] == ("08:00", "UTC")
    assert button_labels(shown) == [
        "⏰ Time 08:00",
        "🌍 Change time zone…",
        "📅 Daily",
        "🔢 10 items",
        "🔕 Note when nothing is new: off",
        "🔔 Silent digests: off",
        "🌙 Quiet hours: off",
    ]


async def test_picking_a_common_time_edits_the_message_in_place(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "⏰ Time")
    picker = harness.current(shown)
    assert button_labels(picker)[:7] == [
        "06:00", "07:00", "✓ 08:00", "09:00", "12:00", "18:00", "21:00"
    ]  # fmt: skip
    assert "Type a time…" in button_labels(picker)

    toast = await press_to(harness, shown, "07:00")
    assert toast == "Time set to 07:00"
    edited = harness.current(shown)
    assert "Time: 07:00" in text_of(edited).splitlines()
    assert next_digest(edited)[1:] == ("07:00", "UTC")
    assert "⏰ Time 07:00" in button_labels(edited)
    assert len(harness.server.messages(PRIVATE)) == 1  # edited, never sent again


async def answer_zone(
    harness: Harness, text: str | tuple[float, float], chat_id: int = PRIVATE
) -> tuple[StoredMessage, StoredMessage]:
    """Answer a private chat's zone prompt (text or a location); return the note and the
    settings message the bot sends after it."""
    mark = harness.server.mark()
    if isinstance(text, tuple):
        harness.server.inject_location(chat_id, *text)
    else:
        harness.server.inject_message(chat_id, text)
    calls = await harness.server.wait_for_call("sendMessage", chat_id=chat_id, since=mark, count=2)
    note, shown = (harness.server.message(chat_id, c.result["message_id"]) for c in calls)
    return note, shown


def location_button(prompt: StoredMessage) -> dict[str, object]:
    ((button,),) = (prompt.reply_markup or {})["keyboard"]
    return button


async def test_typed_time_zone_by_city_is_confirmed_in_a_new_message(harness: Harness) -> None:
    shown = await harness.send("/settings")
    prompt = await ask(harness, shown, "Change time zone…")
    assert "Send your time zone" in text_of(prompt)
    assert location_button(prompt) == {"text": "📍 Send my location", "request_location": True}

    note, confirmed = await answer_zone(harness, "Kathmandu")
    assert text_of(note) == "Time zone set to Asia/Kathmandu (UTC+05:45): Kathmandu, Nepal."
    assert (note.reply_markup or {}).get("remove_keyboard") is True
    text = text_of(confirmed)
    assert "Time zone: Asia/Kathmandu (UTC+05:45)" in text.splitlines()
    assert next_digest(confirmed)[1:] == ("08:00", "Asia/Kathmandu")
    assert "🌍 Change time zone…" in button_labels(confirmed)

    # The prompt is closed: the next free text gets the usual hint.
    hint = await harness.send("Baghdad")
    assert text_of(hint).startswith("I didn't get that.")


async def test_an_unknown_zone_gets_a_clear_error_and_a_second_try_works(
    harness: Harness,
) -> None:
    shown = await harness.send("/settings")
    await ask(harness, shown, "Change time zone…")

    error = await harness.send("Mars/Base")
    assert text_of(error).startswith("I don't know the time zone or place “Mars/Base”.")
    assert "Asia/Baghdad" in text_of(error)
    assert "\n" not in text_of(error)
    # The location button stays offered while the question is open.
    assert location_button(error)["request_location"] is True

    error = await harness.send("Baghdadd")
    assert "Did you mean Baghdad (Asia/Baghdad)?" in text_of(error)

    note, confirmed = await answer_zone(harness, "asia/kathmandu")
    assert text_of(note) == "Time zone set to Asia/Kathmandu (UTC+05:45)."
    assert "Time zone: Asia/Kathmandu (UTC+05:45)" in text_of(confirmed).splitlines()
    settings = await get_settings(
        harness.db, ChatRef(PRIVATE, ChatKind.PRIVATE), harness.settings, now=utcnow()
    )
    assert settings.timezone == "Asia/Kathmandu"


async def test_a_typed_time_and_cancel(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "⏰ Time")
    await ask(harness, shown, "Type a time…")
    error = await harness.send("half past seven")
    assert text_of(error) == (
        "“half past seven” is not a time I can read. Send it like 07:30, 7:30 pm, 19.30 or ٧:٣٠ م."
    )
    confirmed = await harness.send("7:30 pm")
    assert "✅ Time set to 19:30" in text_of(confirmed)
    assert next_digest(confirmed)[1] == "19:30"

    await ask(harness, harness.current(confirmed), "Change time zone…")
    cancelled = await harness.send("/cancel")
    assert text_of(cancelled) == "Cancelled; the settings are unchanged."
    assert (cancelled.reply_markup or {}).get("remove_keyboard") is True
    hint = await harness.send("Kathmandu")
    assert text_of(hint).startswith("I didn't get that.")
    nothing = await harness.send("/cancel")
    assert text_of(nothing) == "There is nothing to cancel."


async def test_weekly_on_friday(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "📅 Daily")
    assert button_labels(harness.current(shown)) == [
        "✓ Daily", "Mon–Fri", "Sun–Thu", "Weekly…", "Off", "‹ Back"
    ]  # fmt: skip
    await press_to(harness, shown, "Weekly…")
    assert button_labels(harness.current(shown))[:7] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
    ]  # fmt: skip

    toast = await press_to(harness, shown, "Fri")
    assert toast == "Digests weekly on Friday"
    edited = harness.current(shown)
    assert "Frequency: weekly on Friday" in text_of(edited).splitlines()
    assert next_digest(edited)[0] == "Fri"
    assert "📅 Weekly, Fri" in button_labels(edited)

    await press_to(harness, shown, "📅 Weekly")
    toast = await press_to(harness, shown, "Off")
    assert toast == "Digests off"
    assert "No digests are scheduled while the frequency is off." in text_of(harness.current(shown))


async def test_max_items_by_button_and_typed(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "🔢 10 items")
    assert button_labels(harness.current(shown)) == [
        "5", "✓ 10", "15", "20", "30", "Type a number…", "‹ Back"
    ]  # fmt: skip
    toast = await press_to(harness, shown, "15")
    assert toast == "Up to 15 items per digest"
    assert "Items per digest: up to 15" in text_of(harness.current(shown)).splitlines()

    await press_to(harness, shown, "🔢 15 items")
    await ask(harness, shown, "Type a number…")
    error = await harness.send("50")
    assert text_of(error) == "Send a whole number from 1 to 30, e.g. 12"
    confirmed = await harness.send("12")
    assert "Items per digest: up to 12" in text_of(confirmed).splitlines()


async def test_note_when_nothing_is_new_toggles(harness: Harness) -> None:
    shown = await harness.send("/settings")
    toast = await press_to(harness, shown, "Note when nothing is new")
    assert toast == "I'll send a short note when nothing is new"
    assert "When nothing is new: send a short note" in text_of(harness.current(shown))
    assert "🔔 Note when nothing is new: on" in button_labels(harness.current(shown))
    toast = await press_to(harness, shown, "Note when nothing is new")
    assert toast == "No note when nothing is new"
    assert "When nothing is new: stay quiet" in text_of(harness.current(shown))


async def test_forged_button_data_changes_nothing(harness: Harness) -> None:
    shown = await harness.send("/settings")
    for forged in ("set:n:99", "set:t:2460", "set:f:weekly:7", "set:v:x", "set:z:UTC"):
        answer = await harness.press(shown, forged, expect_edit=False)
        assert answer.params.get("text") == "This button has expired."
    assert harness.current(shown).text == shown.text
    assert harness.current(shown).edit_date is None


async def test_in_a_group_only_admins_change_settings(harness: Harness) -> None:
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    harness.server.set_member_status(GROUP, ADMIN_USER, "administrator")
    harness.server.set_member_status(GROUP, MEMBER_USER, "member")
    group = "supergroup"
    shown = await harness.send("/settings", chat_id=GROUP, chat_type=group, user_id=MEMBER_USER)
    assert "Time: 08:00" in text_of(shown).splitlines()

    for label in ("⏰ Time", "🌍 Change time zone…", "Note when nothing is new"):
        refusal = await harness.press(
            shown,
            button_data(shown, label),
            user_id=MEMBER_USER,
            expect_edit=False,
            chat_type=group,
        )
        assert refusal.params.get("text") == "Only this group's admins can change what it follows."
        assert refusal.params.get("show_alert") is True
    assert harness.current(shown).edit_date is None
    assert len(harness.server.messages(GROUP)) == 1  # no prompt was opened
    ref = ChatRef(GROUP, ChatKind.SUPERGROUP)
    unchanged = await get_settings(harness.db, ref, harness.settings, now=utcnow())
    assert unchanged.notify_empty is False

    await press_to(harness, shown, "⏰ Time", user_id=ADMIN_USER, chat_type=group)
    assert await press_to(harness, shown, "07:00", user_id=ADMIN_USER, chat_type=group) == (
        "Time set to 07:00"
    )
    assert "Time: 07:00" in text_of(harness.current(shown)).splitlines()


async def test_in_a_group_only_the_admin_who_asked_answers(harness: Harness) -> None:
    harness.server.add_chat(GROUP, "supergroup", title="Readers")
    harness.server.set_member_status(GROUP, ADMIN_USER, "administrator")
    harness.server.set_member_status(GROUP, MEMBER_USER, "member")
    shown = await harness.send(
        "/settings", chat_id=GROUP, chat_type="supergroup", user_id=ADMIN_USER
    )
    prompt = await ask(
        harness, shown, "Change time zone…", user_id=ADMIN_USER, chat_type="supergroup"
    )
    mention = [e for e in prompt.entities if e["type"] == "text_link"]
    assert [e["url"] for e in mention] == [f"tg://user?id={ADMIN_USER}"]
    assert (prompt.reply_markup or {}).get("selective") is True
    assert "keyboard" not in (prompt.reply_markup or {})  # locations: private chats only

    mark = harness.server.mark()
    harness.server.inject_message(GROUP, "Tokyo", chat_type="supergroup", user_id=MEMBER_USER)
    confirmed = await harness.send(
        "Kathmandu", chat_id=GROUP, chat_type="supergroup", user_id=ADMIN_USER
    )
    assert "✅ Time zone set to Asia/Kathmandu (UTC+05:45): Kathmandu, Nepal." in text_of(confirmed)
    assert "Time zone: Asia/Kathmandu (UTC+05:45)" in text_of(confirmed).splitlines()
    sent = harness.server.calls_of("sendMessage", chat_id=GROUP)
    assert len([c for c in sent if harness.server.calls.index(c) >= mark]) == 1
    assert not any("Tokyo" in (m.text or "") for m in harness.server.messages(GROUP))


async def test_a_channel_admin_changes_settings_and_a_reader_cannot(harness: Harness) -> None:
    channel = -100999
    shown = await harness.send("/settings", chat_id=channel, chat_type="channel", title="Wire")
    harness.server.set_member_status(channel, ADMIN_USER, "administrator")
    harness.server.set_member_status(channel, MEMBER_USER, "member")
    refusal = await harness.press(
        shown,
        button_data(shown, "⏰ Time"),
        user_id=MEMBER_USER,
        chat_type="channel",
        expect_edit=False,
    )
    assert refusal.params.get("show_alert") is True
    assert harness.current(shown).edit_date is None

    await press_to(harness, shown, "⏰ Time", user_id=ADMIN_USER, chat_type="channel")
    await press_to(harness, shown, "21:00", user_id=ADMIN_USER, chat_type="channel")
    assert "Time: 21:00" in text_of(harness.current(shown)).splitlines()
    await ask(harness, shown, "Change time zone…", user_id=ADMIN_USER, chat_type="channel")
    # The answer is a channel post, which carries no sender: only admins can post.
    confirmed = await harness.send("Baghdad", chat_id=channel, chat_type="channel")
    assert next_digest(confirmed)[1:] == ("21:00", "Asia/Baghdad")


async def test_gmt_plus_3_sets_utc_plus_3_and_says_so(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await ask(harness, shown, "Change time zone…")
    note, confirmed = await answer_zone(harness, "GMT+3")
    assert text_of(note) == ("Time zone set to a fixed UTC+03:00, without daylight-saving changes.")
    assert "Time zone: UTC+03:00" in text_of(confirmed).splitlines()
    assert next_digest(confirmed)[1:] == ("08:00", "UTC+03:00")
    settings = await get_settings(
        harness.db, ChatRef(PRIVATE, ChatKind.PRIVATE), harness.settings, now=utcnow()
    )
    assert settings.timezone == "Etc/GMT-3"
    assert settings.next_digest_at is not None
    assert (settings.next_digest_at.hour, settings.next_digest_at.minute) == (5, 0)  # UTC


async def test_a_shared_location_sets_the_zone_there(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await ask(harness, shown, "Change time zone…")
    note, confirmed = await answer_zone(harness, (33.31, 44.36))  # Baghdad
    assert text_of(note) == "Time zone set to Asia/Baghdad (UTC+03:00), from your location."
    assert (note.reply_markup or {}).get("remove_keyboard") is True
    assert next_digest(confirmed)[1:] == ("08:00", "Asia/Baghdad")
    # With no question open, a location is not taken as an answer.
    harness.server.inject_location(PRIVATE, 51.5, -0.12)
    hint = await harness.send("/settings")
    assert next_digest(hint)[1:] == ("08:00", "Asia/Baghdad")


async def test_an_arabic_chat_gets_arabic_zone_replies(harness: Harness) -> None:
    mark = harness.server.mark()
    harness.server.inject_message(PRIVATE, "/settings", language_code="ar")
    (call,) = await harness.server.wait_for_call("sendMessage", chat_id=PRIVATE, since=mark)
    shown = harness.server.message(PRIVATE, call.result["message_id"])
    assert "تغيير المنطقة الزمنية…" in " ".join(button_labels(shown))
    mark = harness.server.mark()
    await harness.press(shown, "set:ask:z", expect_edit=False)
    (call,) = await harness.server.wait_for_call("sendMessage", chat_id=PRIVATE, since=mark)
    prompt = harness.server.message(PRIVATE, call.result["message_id"])
    assert location_button(prompt)["text"] == "📍 أرسل موقعي"

    error = await harness.send("بغدادد")
    assert "لا أعرف" in text_of(error) and "Baghdad (Asia/Baghdad)" in text_of(error)
    note, _ = await answer_zone(harness, "بَغْداد")
    assert text_of(note) == "ضُبطت المنطقة الزمنية على Asia/Baghdad (UTC+03:00): Baghdad، العراق."


async def test_a_place_name_with_markup_characters_is_shown_as_written(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await ask(harness, shown, "Change time zone…")
    note, _ = await answer_zone(harness, "Choi Wan Estate (I & II)")  # a GeoNames city
    assert text_of(note) == (
        "Time zone set to Asia/Hong_Kong (UTC+08:00): "
        "Choi Wan Estate (I & II), Hong Kong SAR China."
    )


async def test_chats_that_only_chat_leave_no_state_behind(harness: Harness) -> None:
    # Every plain-text message is checked for an open prompt, which makes python-telegram-bot
    # keep a dict for the chat; the sweep drops the empty ones, never an open prompt.
    for chat_id in (2001, 2002, 2003):
        await harness.send("hello there", chat_id=chat_id)
    shown = await harness.send("/settings", chat_id=2004)
    await ask(harness, shown, "Change time zone…")
    assert {2001, 2002, 2003, 2004} <= set(harness.application.chat_data)

    assert drop_empty_chat_state(harness.application) >= 3
    assert set(harness.application.chat_data) == {2004}
    _, confirmed = await answer_zone(harness, "Kathmandu", chat_id=2004)
    assert "Time zone: Asia/Kathmandu (UTC+05:45)" in text_of(confirmed).splitlines()


async def test_a_second_digest_time_is_added_and_removed_by_buttons(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "⏰ Time")
    assert button_labels(harness.current(shown))[-3:] == ["➕ Add a time", "Type a time…", "‹ Back"]
    await press_to(harness, shown, "➕ Add a time")
    assert button_labels(harness.current(shown)) == [
        "➕ 06:00", "➕ 07:00", "➕ 09:00", "➕ 12:00", "➕ 18:00", "➕ 21:00", "‹ Back"
    ]  # fmt: skip
    toast = await press_to(harness, shown, "➕ 18:00")
    assert toast == "Digest times set to 08:00, 18:00"
    edited = harness.current(shown)
    assert "Digest times: 08:00, 18:00" in text_of(edited).splitlines()
    assert "✖ 08:00" in button_labels(edited) and "✖ 18:00" in button_labels(edited)
    settings = await get_settings(
        harness.db, ChatRef(PRIVATE, ChatKind.PRIVATE), harness.settings, now=utcnow()
    )
    assert [f"{at:%H:%M}" for at in settings.digest_times] == ["08:00", "18:00"]

    toast = await press_to(harness, shown, "✖ 08:00")
    assert toast == "Time set to 18:00"
    edited = harness.current(shown)
    assert "Time: 18:00" in text_of(edited).splitlines()
    assert not any(label.startswith("✖") for label in button_labels(edited))
    assert next_digest(edited)[1] == "18:00"


async def test_up_to_four_typed_times_and_a_fifth_is_refused(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "⏰ Time")
    prompt = await ask(harness, shown, "Type a time…")
    assert "send up to 4 times separated by commas" in text_of(prompt)
    error = await harness.send("6:00, 9:00, 12:00, 15:00, 18:00")
    assert text_of(error) == "A chat can have at most 4 digest times a day."
    confirmed = await harness.send("7:30 pm, 07:00, 12.15، 7:00")
    assert "✅ Digest times set to 07:00, 12:15, 19:30" in text_of(confirmed)
    assert "Digest times: 07:00, 12:15, 19:30" in text_of(confirmed).splitlines()
    assert "⏰ Time 07:00, 12:15, 19:30" in button_labels(confirmed)
    settings = await get_settings(
        harness.db, ChatRef(PRIVATE, ChatKind.PRIVATE), harness.settings, now=utcnow()
    )
    assert len(settings.digest_times) == 3


async def test_the_weekday_choice_names_its_days(harness: Harness) -> None:
    """Monday to Friday, said as such: in Baghdad the working week is Sunday to Thursday."""
    shown = await harness.send("/settings")
    await press_to(harness, shown, "📅 Daily")
    toast = await press_to(harness, shown, "Mon–Fri")
    assert toast == "Digests Monday to Friday"
    edited = harness.current(shown)
    assert "Frequency: Monday to Friday" in text_of(edited).splitlines()
    assert "📅 Mon–Fri" in button_labels(edited)


async def test_sunday_to_thursday_can_be_chosen(harness: Harness) -> None:
    shown = await harness.send("/settings")
    await press_to(harness, shown, "📅 Daily")
    toast = await press_to(harness, shown, "Sun–Thu")
    assert toast == "Digests Sunday to Thursday"
    edited = harness.current(shown)
    assert "Frequency: Sunday to Thursday" in text_of(edited).splitlines()
    assert "📅 Sun–Thu" in button_labels(edited)
    assert next_digest(edited)[0] not in ("Fri", "Sat")
