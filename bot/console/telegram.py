"""The Bot API in process: what ``newsbot console`` answers instead of Telegram.

python-telegram-bot sends every Bot API call through a ``telegram.request.BaseRequest``
(``bot/request.py`` is the one that goes to the network); :class:`InProcessRequest` answers
the same calls from :class:`Telegram`, which keeps the chats, the messages as they are after
edits, and the updates the person's typing makes. ``getUpdates`` long-polls as Telegram does,
so the bot receives what is typed exactly as it would from Telegram. Messages are checked as
Telegram checks them (well-formed HTML, at most 4,096 characters) so a bad reply shows up here
as the same error. Every change is reported to ``on_event`` for the screen.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from digests.split import TEXT_LIMIT, visible_length, visible_text

BOT_ID = 7000001
BOT_USER = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "newsbot",
    "username": "newsbot_console_bot",
}


@dataclass(frozen=True, slots=True)
class Person:
    """Who is typing and where: a user in a private chat, or in a group."""

    name: str
    user_id: int
    first_name: str
    chat_id: int
    chat_type: str = "private"
    title: str = ""
    language: str = "en"

    def user(self) -> dict[str, Any]:
        """The Bot API ``User`` of the person."""
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language,
        }

    def chat(self) -> dict[str, Any]:
        """The Bot API ``Chat`` the person types in."""
        if self.chat_type == "private":
            return {"id": self.chat_id, "type": "private", "first_name": self.first_name}
        return {"id": self.chat_id, "type": self.chat_type, "title": self.title}


@dataclass
class Message:
    """A message in a chat as it is now (after edits)."""

    chat: dict[str, Any]
    message_id: int
    from_bot: bool
    html: str = ""
    markup: dict[str, Any] | None = None
    photo: Path | None = None
    document: Path | None = None
    edited: bool = False
    date: int = field(default_factory=lambda: int(time.time()))

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def to_api(self) -> dict[str, Any]:
        """The Bot API ``Message``."""
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat,
            "from": BOT_USER if self.from_bot else {},
        }
        text = visible_text(self.html) if self.from_bot else self.html
        if self.photo is not None:
            out["photo"] = [{"file_id": f"p{self.message_id}", "file_unique_id": "p", "width": 1,
                             "height": 1}]  # fmt: skip
            if text:
                out["caption"] = text
        elif self.document is not None:
            out["document"] = {"file_id": f"d{self.message_id}", "file_unique_id": "d"}
        else:
            out["text"] = text
        if self.markup and "inline_keyboard" in self.markup:
            # Telegram returns only inline keyboards with a message, never a reply keyboard
            # or a forced reply.
            out["reply_markup"] = self.markup
        if self.edited:
            out["edit_date"] = int(time.time())
        return out


# The fields the Bot API's ChatMemberAdministrator always carries (core.telegram.org/bots/api
# #chatmemberadministrator): the bot may post and manage, nothing more.
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": False,
    "can_restrict_members": False, "can_promote_members": False, "can_change_info": False,
    "can_invite_users": False, "can_post_stories": False, "can_edit_stories": False,
    "can_delete_stories": False,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Event:
    """Something the person should see: ``kind`` is sent, edited, deleted or toast."""

    kind: str
    message: Message | None = None
    text: str = ""
    alert: bool = False


class ApiError(Exception):
    """An error answer, as Telegram words it."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class Telegram:
    """Chats, messages and pending updates for one console session."""

    def __init__(self, files: Path, on_event: Callable[[Event], None]) -> None:
        self._files = files
        self._on_event = on_event
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self.delivered = 0  # the last update id getUpdates has handed to the bot
        self._arrived = asyncio.Event()
        self.messages: dict[tuple[int, int], Message] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self._methods: dict[str, Callable[[dict[str, Any], RequestData | None], Any]] = {
            "getMe": lambda p, r: BOT_USER,
            "logOut": lambda p, r: True,
            "close": lambda p, r: True,
            "deleteWebhook": lambda p, r: True,
            "getWebhookInfo": lambda p, r: {"url": "", "pending_update_count": 0},
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda p, r: self.commands.get(_scope_key(p), []),
            "deleteMyCommands": self._delete_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "deleteMessage": self._delete,
            "answerCallbackQuery": self._answer_callback,
            "sendChatAction": lambda p, r: True,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "getChat": lambda p, r: self._chat(p),
            "getChatMember": self._chat_member,
            "getChatAdministrators": lambda p, r: [],
        }

    # -- what the person does ----------------------------------------------------------------

    def type(self, person: Person, text: str) -> int:
        """The person sends ``text`` in their chat; returns the update's id."""
        self.chats[person.chat_id] = person.chat()
        message = self._store(Message(person.chat(), self._next_id(person.chat_id), False, text))
        payload = message.to_api()
        payload["from"] = person.user()
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._queue({"message": payload})

    def press(self, person: Person, message: Message, data: str) -> int:
        """The person presses the inline button with callback ``data`` under ``message``;
        returns the update's id."""
        return self._queue(
            {
                "callback_query": {
                    "id": str(next(self._callback_ids)),
                    "from": person.user(),
                    "message": message.to_api(),
                    "chat_instance": str(message.chat_id),
                    "data": data,
                }
            }
        )

    def add_bot_to(self, person: Person) -> int:
        """The person adds the bot to their group (the bot's ``my_chat_member`` update);
        returns the update's id."""
        self.chats[person.chat_id] = person.chat()
        return self._queue(
            {
                "my_chat_member": {
                    "chat": person.chat(),
                    "from": person.user(),
                    "date": int(time.time()),
                    "old_chat_member": {"user": BOT_USER, "status": "left"},
                    "new_chat_member": {"user": BOT_USER, "status": "member"},
                }
            }
        )

    # -- the Bot API -------------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any], data: RequestData | None) -> Any:
        """Answer one Bot API call; raises ApiError as Telegram would answer an error."""
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler(params, data)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), float(params.get("timeout") or 0))
            except TimeoutError:
                return []
        self.delivered = max(self.delivered, *(u["update_id"] for u in self._updates))
        return list(self._updates)

    def _queue(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._arrived.set()
        return update_id

    def _send_message(self, params: dict[str, Any], _: RequestData | None) -> dict[str, Any]:
        html = _checked(str(params.get("text", "")), params.get("parse_mode"))
        return self._send(params, Message(self._chat(params), 0, True, html, _markup(params)))

    def _send_photo(self, params: dict[str, Any], data: RequestData | None) -> dict[str, Any]:
        caption = _checked(str(params.get("caption") or ""), params.get("parse_mode"), limit=1024)
        photo = self._save(data, "photo", ".png")
        return self._send(
            params, Message(self._chat(params), 0, True, caption, _markup(params), photo)
        )

    def _send_document(self, params: dict[str, Any], data: RequestData | None) -> dict[str, Any]:
        caption = _checked(str(params.get("caption") or ""), params.get("parse_mode"), limit=1024)
        document = self._save(data, "document", "")
        message = Message(self._chat(params), 0, True, caption, _markup(params), document=document)
        return self._send(params, message)

    def _send(self, params: dict[str, Any], message: Message) -> dict[str, Any]:
        message.message_id = self._next_id(message.chat_id)
        self._store(message)
        self._on_event(Event("sent", message))
        return message.to_api()

    def _edit_text(self, params: dict[str, Any], _: RequestData | None) -> dict[str, Any]:
        message = self._find(params)
        html = _checked(str(params.get("text", "")), params.get("parse_mode"))
        markup = _markup(params)
        if html == message.html and markup == message.markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.html, message.markup, message.edited = html, markup, True
        self._on_event(Event("edited", message))
        return message.to_api()

    def _edit_markup(self, params: dict[str, Any], _: RequestData | None) -> dict[str, Any]:
        message = self._find(params)
        markup = _markup(params)
        if markup == message.markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.markup, message.edited = markup, True
        self._on_event(Event("edited", message))
        return message.to_api()

    def _delete(self, params: dict[str, Any], _: RequestData | None) -> bool:
        message = self._find(params)
        del self.messages[(message.chat_id, message.message_id)]
        self._on_event(Event("deleted", message))
        return True

    def _answer_callback(self, params: dict[str, Any], _: RequestData | None) -> bool:
        text = str(params.get("text") or "")
        if text:
            self._on_event(Event("toast", text=text, alert=bool(params.get("show_alert"))))
        return True

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        known = self.chats.get(chat_id)
        if known is None:
            return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        return known

    def _chat_member(self, params: dict[str, Any], _: RequestData | None) -> dict[str, Any]:
        user_id = int(params["user_id"])
        # In the console's group the person typing created it; the bot is an administrator.
        if user_id == BOT_ID:
            return {"user": BOT_USER, "status": "administrator", **_ADMIN_RIGHTS}
        user = {"id": user_id, "is_bot": False, "first_name": "You"}
        return {"user": user, "status": "creator", "is_anonymous": False}

    def _delete_commands(self, params: dict[str, Any], _: RequestData | None) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    def _set_commands(self, params: dict[str, Any], _: RequestData | None) -> bool:
        self.commands[_scope_key(params)] = list(params.get("commands") or [])
        return True

    # -- storage -----------------------------------------------------------------------------

    def _next_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _store(self, message: Message) -> Message:
        self.messages[(message.chat_id, message.message_id)] = message
        return message

    def _find(self, params: dict[str, Any]) -> Message:
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        found = self.messages.get(key)
        if found is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return found

    def _save(self, data: RequestData | None, name: str, suffix: str) -> Path:
        """Write an uploaded file under the session's folder; its path is shown to the person."""
        files = data.multipart_data if data is not None else {}
        if name not in files:
            raise ApiError(400, f"Bad Request: there is no {name} in the request")
        filename, content, _mime = files[name]
        self._files.mkdir(parents=True, exist_ok=True)
        stem = Path(filename or name).name or name
        path = self._files / f"{next(self._callback_ids):03d}-{stem}"
        if suffix and not path.suffix:
            path = path.with_suffix(suffix)
        path.write_bytes(content if isinstance(content, bytes) else content.read())
        return path


class InProcessRequest(BaseRequest):
    """python-telegram-bot's transport, answered by :class:`Telegram` instead of the network."""

    __slots__ = ("_telegram",)

    def __init__(self, telegram: Telegram) -> None:
        self._telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer the call named at the end of ``url`` with Telegram's JSON envelope."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        try:
            result = await self._telegram.call(api_method, params, request_data)
        except ApiError as exc:
            body = {"ok": False, "error_code": exc.status, "description": exc.description}
            return exc.status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _checked(text: str, parse_mode: object, *, limit: int = TEXT_LIMIT) -> str:
    """``text`` if Telegram would take it (as HTML when asked), else the error it would give."""
    if parse_mode == "HTML":
        try:
            length = visible_length(text)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    else:
        length = len(text.encode("utf-16-le")) // 2
        text = _escape(text)
    if limit == TEXT_LIMIT and length == 0:
        raise ApiError(400, "Bad Request: message text is empty")
    if length > limit:
        raise ApiError(400, "Bad Request: message is too long")
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    return markup if isinstance(markup, dict) and markup else None


def _scope_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)
