"""/language and /languages: the language the bot speaks in a chat, and its news languages.

Which language a reply is in: the chat's stored language (set from Telegram's language_code
when the chat registered, changed only with /language), else, for a chat not registered yet,
the sender's language_code; English when the bot has no catalog for it.
"""

from __future__ import annotations

import re

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.filters import can_manage_chat
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import chat_languages, subscriptions
from digests.chat_languages import NewsLanguages
from digests.i18n import LANGUAGES, language_name, supported_language, translator
from digests.timeutil import utcnow

UI_PREFIX = "lang:"
NEWS_PREFIX = "langs:"
ALL_LANGUAGES = "*"
_CODE = re.compile(r"[a-z]{2,3}")


async def chat_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The language to answer ``update`` in (one primary-key read)."""
    chat = update.effective_chat
    if chat is not None:
        stored = await chat_languages.chat_language(services(context).db, chat.id)
        if stored is not None:
            return stored
    user = update.effective_user
    return supported_language(user.language_code if user else None)


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


def _news_text(context: ContextTypes.DEFAULT_TYPE, choice: NewsLanguages, lang: str) -> str:
    names = [language_name(code, in_language=lang) for code in choice.chosen or ()]
    return services(context).renderer.render(
        "languages", lang=lang, offered=bool(choice.offered), chosen=names
    )


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer English and العربية as buttons."""
    svc = services(context)
    await subscriptions.register_chat(svc.db, chat_ref(update), svc.settings, now=utcnow())
    lang = await chat_language(update, context)
    html = svc.renderer.render("language", lang=lang, changed=False)
    await reply(update, context, html, ui_language_picker(lang))


async def on_language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Switch the chat's language (admins only in groups) and confirm in the new language."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    code = (query.data or "").removeprefix(UI_PREFIX)
    lang = await chat_language(update, context)
    _ = translator(lang)
    if code not in LANGUAGES:
        await query.answer(_("This button has expired."))
        return
    if not await can_manage_chat(update, context):
        await query.answer(svc.renderer.render("group_admins_only", lang=lang), show_alert=True)
        return
    await chat_languages.set_chat_language(
        svc.db, chat_ref(update), code, svc.settings, now=utcnow()
    )
    await query.answer()
    await _edit(query, svc.renderer.render("language", lang=code, changed=True), None)


async def languages_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the news-language toggles: every language seen in the last 30 days, and "all"."""
    svc = services(context)
    ref = chat_ref(update)
    await subscriptions.register_chat(svc.db, ref, svc.settings, now=utcnow())
    lang = await chat_language(update, context)
    choice = await chat_languages.news_languages(svc.db, ref.id, now=utcnow())
    await reply(
        update, context, _news_text(context, choice, lang), news_language_picker(choice, lang)
    )


async def on_news_language_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Toggle one news language, or lift the limit, editing the same message."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    ref = chat_ref(update)
    code = (query.data or "").removeprefix(NEWS_PREFIX)
    lang = await chat_language(update, context)
    _ = translator(lang)
    if code != ALL_LANGUAGES and not _CODE.fullmatch(code):
        await query.answer(_("This button has expired."))
        return
    if not await can_manage_chat(update, context):
        await query.answer(svc.renderer.render("group_admins_only", lang=lang), show_alert=True)
        return
    await subscriptions.register_chat(svc.db, ref, svc.settings, now=utcnow())
    now = utcnow()
    if code == ALL_LANGUAGES:
        await chat_languages.set_languages(svc.db, ref.id, None, now=now)
        choice = await chat_languages.news_languages(svc.db, ref.id, now=now)
        await query.answer(_("News in every language"))
    else:
        choice = await chat_languages.toggle_language(svc.db, ref.id, code, now=now)
        name = language_name(code, in_language=lang)
        if choice.chosen is not None and code in choice.chosen:
            await query.answer(_("Added %(language)s", language=name))
        else:
            await query.answer(_("Removed %(language)s", language=name))
    await _edit(query, _news_text(context, choice, lang), news_language_picker(choice, lang))


async def _edit(query: CallbackQuery, html: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await query.edit_message_text(html, reply_markup=markup)
    except BadRequest as exc:
        # A double tap leaves nothing to change; Telegram reports that as an error.
        if "not modified" not in exc.message.lower():
            raise
