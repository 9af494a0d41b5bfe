"""/stop: confirm, then unfollow every topic."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards
from bot.filters import can_manage_chat
from bot.handlers.language import chat_language
from bot.handlers.replies import reply
from bot.services import chat_ref, services
from digests import subscriptions
from digests.i18n import translator


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask whether to unfollow everything."""
    svc = services(context)
    lang = await chat_language(update, context)
    if not await can_manage_chat(update, context):
        await reply(update, context, svc.renderer.render("group_admins_only", lang=lang))
        return
    ref = chat_ref(update)
    followed = await subscriptions.followed_count(svc.db, ref.id)
    if not followed:
        await reply(update, context, svc.renderer.render("stop_done", lang=lang, count=0))
        return
    await reply(
        update,
        context,
        svc.renderer.render("stop_confirm", lang=lang, count=followed),
        keyboards.stop_confirmation(lang),
    )


async def on_stop_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry out or cancel /stop, in place."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    action = keyboards.decode(query.data)
    lang = await chat_language(update, context)
    _ = translator(lang)
    if not isinstance(action, keyboards.StopAnswer):
        await query.answer(_("This button has expired."))
        return
    if not await can_manage_chat(update, context):
        await query.answer(svc.renderer.render("group_admins_only", lang=lang), show_alert=True)
        return
    await query.answer()
    if action.confirmed:
        count = await subscriptions.unsubscribe_everything(svc.db, chat_ref(update).id)
        await query.edit_message_text(svc.renderer.render("stop_done", lang=lang, count=count))
    else:
        await query.edit_message_text(svc.renderer.render("stop_cancelled", lang=lang))
