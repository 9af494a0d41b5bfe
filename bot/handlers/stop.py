"""/stop: confirm, then unfollow every topic."""

from __future__ import annotations

from bot import keyboards
from bot.chat import ChatContext, chat_handler
from bot.filters import can_manage_chat
from digests import subscriptions


@chat_handler
async def stop(chat: ChatContext) -> None:
    """Ask whether to unfollow everything."""
    if not await can_manage_chat(chat.update, chat.context):
        await chat.say("group_admins_only")
        return
    followed = await subscriptions.followed_count(chat.services.db, chat.id)
    if not followed:
        await chat.say("stop_done", count=0)
        return
    await chat.say("stop_confirm", keyboards.stop_confirmation(chat.lang), count=followed)


@chat_handler
async def on_stop_button(chat: ChatContext) -> None:
    """Carry out or cancel /stop, in place."""
    action = keyboards.decode(chat.query.data)
    if not isinstance(action, keyboards.StopAnswer):
        await chat.toast(chat._("This button has expired."))
        return
    if not await can_manage_chat(chat.update, chat.context):
        await chat.toast(chat.render("group_admins_only"), alert=True)
        return
    await chat.toast()
    if action.confirmed:
        count = await subscriptions.unsubscribe_everything(chat.services.db, chat.id)
        await chat.edit(chat.render("stop_done", count=count))
    else:
        await chat.edit(chat.render("stop_cancelled"))
