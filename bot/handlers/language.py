"""/language and /languages: the language the bot speaks in a chat, and its news languages.

Which language a reply is in: the chat's stored language, set from Telegram's language_code
of the user who first talked to the bot and changed only with /language (``bot.chat`` reads
it for every update); English when the bot has no catalog for it.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from digests import chat_languages
from digests.chat_languages import NewsLanguages
from digests.i18n import LANGUAGES, language_name, translator
from digests.timeutil import utcnow

UI_PREFIX = callbacks.UI_LANGUAGE + ":"
NEWS_PREFIX = callbacks.NEWS_LANGUAGES + ":"
ALL_LANGUAGES = "*"
_CODE = re.compile(r"[a-z]{2,3}")


def ui_language_picker(current: str) -> InlineKeyboardMarkup:
    """One button per language the bot speaks, each named in itself; ✅ on the current one."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✅ {name}" if code == current else name, callback_data=UI_PREFIX + code
                )
                for code, name in LANGUAGES.items()
            ]
        ]
    )


def news_language_picker(choice: NewsLanguages, lang: str) -> InlineKeyboardMarkup | None:
    """A toggle per language offered, two a row, then "All languages"; ✅ marks the choice."""
    if not choice.offered:
        return None
    chosen = choice.chosen or ()
    buttons = [
        InlineKeyboardButton(
            f"✅ {language_name(code, in_language=lang)}"
            if code in chosen
            else language_name(code, in_language=lang),
            callback_data=NEWS_PREFIX + code,
        )
        for code in choice.offered
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    _ = translator(lang)
    everything = _("All languages")
    rows.append(
        [
            InlineKeyboardButton(
                f"✅ {everything}" if choice.chosen is None else everything,
                callback_data=NEWS_PREFIX + ALL_LANGUAGES,
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def _news_text(chat: ChatContext, choice: NewsLanguages) -> str:
    names = [language_name(code, in_language=chat.lang) for code in choice.chosen or ()]
    return chat.render("languages", offered=bool(choice.offered), chosen=names)


@chat_handler
async def language_command(chat: ChatContext) -> None:
    """Offer English and العربية as buttons."""
    await chat.say("language", ui_language_picker(chat.lang), changed=False)


@chat_handler
async def on_language_button(chat: ChatContext) -> None:
    """Switch the chat's language (admins only in groups) and confirm in the new language."""
    svc = chat.services
    code = (chat.query.data or "").removeprefix(UI_PREFIX)
    if code not in LANGUAGES:
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    await chat_languages.set_chat_language(svc.db, chat.ref, code, svc.settings, now=utcnow())
    await chat.toast()
    # The one text not in the chat's old language: the confirmation speaks the new one.
    await chat.edit(svc.renderer.render("language", lang=code, changed=True))


@chat_handler
async def languages_command(chat: ChatContext) -> None:
    """Show the news-language toggles: every language seen in the last 30 days, and "all"."""
    choice = await chat_languages.news_languages(chat.services.db, chat.id, now=utcnow())
    await chat.reply(_news_text(chat, choice), news_language_picker(choice, chat.lang))


@chat_handler
async def on_news_language_button(chat: ChatContext) -> None:
    """Toggle one news language, or lift the limit, editing the same message."""
    db = chat.services.db
    code = (chat.query.data or "").removeprefix(NEWS_PREFIX)
    if code != ALL_LANGUAGES and not _CODE.fullmatch(code):
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    now = utcnow()
    if code == ALL_LANGUAGES:
        await chat_languages.set_languages(db, chat.id, None, now=now)
        choice = await chat_languages.news_languages(db, chat.id, now=now)
        await chat.toast(chat._("News in every language"))
    else:
        choice = await chat_languages.toggle_language(db, chat.id, code, now=now)
        name = language_name(code, in_language=chat.lang)
        if choice.chosen is not None and code in choice.chosen:
            await chat.toast(chat._("Added %(language)s", language=name))
        else:
            await chat.toast(chat._("Removed %(language)s", language=name))
    await chat.edit(_news_text(chat, choice), news_language_picker(choice, chat.lang))
