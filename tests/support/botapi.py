"""A fake Telegram Bot API server on 127.0.0.1 for driving the real python-telegram-bot stack.

It speaks enough of https://core.telegram.org/bots/api for the bot: ``getMe``, ``getUpdates``
(long polling), messages (send, edit, delete), callback answers, chat members, commands and file
uploads, and webhooks (``setWebhook``: updates are then POSTed to the URL with the
``X-Telegram-Bot-Api-Secret-Token`` header, and ``getUpdates`` answers 409 until
``deleteWebhook``). Requests arrive at ``/bot<TOKEN>/<method>``; point PTB at it with
``base_url=f"{server.base_url}/bot"``.

Usage::

    async with BotApiServer() as server:
        bot = telegram.Bot(server.token, base_url=f"{server.base_url}/bot")
        await bot.send_message(42, "<b>hi</b>", parse_mode="HTML")
        (call,) = await server.wait_for_call("sendMessage", chat_id=42)
        assert server.messages(42)[0].text == "hi"

Request handling is a pipeline, so later work can add behaviour without touching the methods:
parameter decoding -> token check -> method lookup -> gates (``fail_next`` faults, the global
rate limit, and anything added with ``add_gate``, e.g. a per-chat limit) -> method handler ->
recording in ``calls``.

Deliberate differences from Telegram (documented so tests don't over-trust it):

* HTML: Telegram keeps an unknown or malformed ``&entity;`` as literal text; this server rejects
  it (``strict_html_entities=True``) because it is always a rendering bug on our side.
* ``<a>`` without ``href`` adds no entity (Telegram links the inner text).
* MarkdownV2/Markdown text is stored as sent, not parsed; URLs, mentions and hashtags are not
  auto-detected as entities.
* Webhooks: plain ``http://`` URLs on any port are accepted (Telegram wants https on 443, 80,
  88 or 8443), and updates are posted one at a time, in order (Telegram may post up to
  ``max_connections`` at once).
* Forum topics: ``add_forum`` makes a supergroup a forum (``is_forum``) and ``create_topic``
  (or ``createForumTopic``) opens a thread whose id is its service message's id, as in
  Telegram. ``sendMessage`` with ``message_thread_id`` answers "Bad Request: message thread
  not found" for a deleted or unknown thread (and for the General topic's id 1, or any thread
  outside a forum; tdlib/telegram-bot-api #472, #798) and "Bad Request: TOPIC_CLOSED" for a
  closed one (Telegram lets admins with can_manage_topics post there; the bot is never one
  here). Messages in a thread carry ``message_thread_id`` and ``is_topic_message``.
* Chats not seen in an injected update are created on first use (``auto_create_chats=True``):
  positive ids are private chats, ``-100...`` supergroups, other negative ids groups.

Standalone: ``python -m tests.support.botapi --port 8081 [--token T]``; then
``curl -d '{"chat_id": 1, "text": "/start"}' localhost:8081/test/inject`` and
``curl localhost:8081/test/calls``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

__all__ = [
    "ApiError",
    "BotApiServer",
    "Call",
    "ChatInfo",
    "Fault",
    "FileRecord",
    "HtmlParseError",
    "ParsedText",
    "SlidingWindowLimiter",
    "StoredMessage",
    "parse_html",
    "utf16_len",
]

JSONDict = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
MAX_BUTTONS = 100
MAX_COMMANDS = 100
DEFAULT_GROUP_USER_ID = 424242
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")

# ----------------------------------------------------------------------------------------------
# Errors, records
# ----------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Telegram-shaped error answer: ``{"ok": false, "error_code", "description", ...}``."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters or {}

    def body(self) -> JSONDict:
        out: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        return out


def bad_request(what: str) -> ApiError:
    return ApiError(400, f"Bad Request: {what}")


@dataclass(frozen=True)
class Call:
    """One request as the server saw it. ``params`` are decoded (ints, bools, JSON fields);
    uploaded files appear as ``{"filename", "size", "content_type"}``."""

    method: str
    params: JSONDict
    at: float  # time.monotonic() when the answer was ready
    response: JSONDict
    status: int = 200

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def result(self) -> Any:
        return self.response.get("result")

    def describe(self, origin: float = 0.0) -> str:
        keys = ("chat_id", "message_id", "text", "caption", "callback_query_id", "offset")
        shown = []
        for key in keys:
            if key in self.params:
                value = repr(self.params[key])
                shown.append(f"{key}={value if len(value) <= 60 else value[:57] + '...'}")
        outcome = "ok" if self.ok else f"{self.status} {self.response.get('description')}"
        return f"+{self.at - origin:7.3f}s {self.method}({', '.join(shown)}) -> {outcome}"


@dataclass
class ChatInfo:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False  # a supergroup with topics enabled

    def to_api(self) -> JSONDict:
        out: JSONDict = {"id": self.id, "type": self.type}
        if self.is_forum:
            out["is_forum"] = True
        if self.type == "private":
            out["first_name"] = self.first_name or "Test"
        else:
            out["title"] = self.title or f"Test {self.type} {self.id}"
        if self.username:
            out["username"] = self.username
        return out


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class StoredMessage:
    """The current state of one message in a chat (bot-sent or injected)."""

    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    text: str | None = None  # plain text after entity parsing
    html: str | None = None  # text or caption exactly as sent
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    link_preview_options: JSONDict | None = None
    disable_web_page_preview: bool | None = None
    caption: str | None = None
    kind: str = "text"  # text, photo, document, location
    file: FileRecord | None = None
    edit_date: int | None = None
    user_id: int | None = None  # sender of an injected message
    extra: JSONDict = field(default_factory=dict)  # other send params, as decoded
    thread_id: int | None = None  # the forum topic it is in; None: General or no forum

    @property
    def silent(self) -> bool:
        """Sent with ``disable_notification``: it arrives without a sound."""
        return bool(self.extra.get("disable_notification"))

    @property
    def entities_count(self) -> int:
        return len(self.entities)

    @property
    def link_preview_disabled(self) -> bool:
        if self.link_preview_options and self.link_preview_options.get("is_disabled"):
            return True
        return bool(self.disable_web_page_preview)


@dataclass
class ForumTopic:
    """One topic (thread) of a forum supergroup."""

    chat_id: int
    thread_id: int
    name: str
    closed: bool = False


@dataclass
class Fault:
    """A queued error answer for the next ``times`` matching calls."""

    method: str  # canonical method name
    status: int
    description: str
    parameters: JSONDict
    chat_id: int | str | None = None
    times: int = 1

    def matches(self, method: str, params: JSONDict) -> bool:
        if self.times <= 0 or method != self.method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass
class UploadedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def describe(self) -> JSONDict:
        return {
            "filename": self.filename,
            "size": len(self.data),
            "content_type": self.content_type,
        }


class SlidingWindowLimiter:
    """Accepts at most ``capacity`` requests in any ``window`` seconds (sliding)."""

    def __init__(self, per_second: float) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.window = max(1.0, 1.0 / per_second)
        self.capacity = max(1, math.floor(per_second * self.window + 1e-9))
        self._accepted: deque[float] = deque()

    def try_acquire(self, now: float) -> int | None:
        """Record and return None when accepted; else the whole seconds to wait (>= 1)."""
        while self._accepted and self._accepted[0] <= now - self.window:
            self._accepted.popleft()
        if len(self._accepted) < self.capacity:
            self._accepted.append(now)
            return None
        return max(1, math.ceil(self._accepted[0] + self.window - now))


Gate = Callable[[str, JSONDict], ApiError | None]
Handler = Callable[["Params"], Awaitable[Any]]

# ----------------------------------------------------------------------------------------------
# HTML parsing as Telegram does it (a port of the rules of tdlib's parse_html)
# ----------------------------------------------------------------------------------------------

HTML_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's wording."""


@dataclass
class ParsedText:
    text: str
    entities: list[JSONDict]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts text length and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``src[pos] == '&'``: (character, next position) or None."""
    n = len(src)
    end = pos + 1
    if end < n and src[end] == "#":
        end += 1
        digits_start = end
        base = 10
        if end < n and src[end] == "x":
            base = 16
            end += 1
            digits_start = end
            while end < n and src[end] in "0123456789abcdefABCDEF":
                end += 1
        else:
            while end < n and src[end].isascii() and src[end].isdigit():
                end += 1
        digits = src[digits_start:end]
        if not digits or end - pos >= 10:
            return None
        code = int(digits, base)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        decoded = _NAMED_ENTITIES.get(src[pos + 1 : end])
        if decoded is None:
            return None
        char = decoded
    if end < n and src[end] == ";":
        end += 1
    return char, end


@dataclass
class _OpenTag:
    tag: str
    argument: str
    offset: int  # UTF-16 offset in the output
    begin: int  # index of '<' in the source


def parse_html(src: str, *, strict_entities: bool = True) -> ParsedText:
    """Parse Telegram's HTML subset into plain text and entities (UTF-16 offsets).

    Raises HtmlParseError with Telegram's wording. Leading and trailing whitespace is trimmed,
    as Telegram does. With ``strict_entities`` an ``&`` that starts no supported entity is an
    error (Telegram would keep it as literal text).
    """
    out: list[str] = []
    utf16 = 0
    entities: list[JSONDict] = []
    stack: list[_OpenTag] = []
    n = len(src)
    i = 0

    def byte_offset(pos: int) -> int:
        return len(src[:pos].encode("utf-8"))

    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_entity(src, i)
            if decoded is not None:
                out.append(decoded[0])
                utf16 += utf16_len(decoded[0])
                i = decoded[1]
                continue
            if strict_entities:
                snippet = re.match(r"&#?\w*;?", src[i:])
                shown = snippet.group(0) if snippet else "&"
                raise HtmlParseError(
                    f'Unsupported HTML entity "{shown}" at byte offset {byte_offset(i)}'
                )
        if char != "<":
            out.append(char)
            utf16 += utf16_len(char)
            i += 1
            continue

        begin = i
        i += 1
        if i < n and src[i] == "/":
            # an end tag
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            i += 1
            name_start = i
            while i < n and not src[i].isspace() and src[i] != ">":
                i += 1
            end_name = src[name_start:i].lower()
            while i < n and src[i].isspace():
                i += 1
            if i >= n or src[i] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            i += 1
            top = stack.pop()
            if end_name and end_name != top.tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top.tag}>", found "</{end_name}>"'
                )
            _close_tag(top, utf16, entities, src)
            continue

        # a start tag
        name_start = i
        while i < n and not src[i].isspace() and src[i] != ">":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        tag = src[name_start:i].lower()
        if tag not in HTML_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
            )
        argument = ""
        while True:
            while i < n and src[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if src[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and not src[i].isspace() and src[i] not in "=>/\"'":
                i += 1
            attr = src[attr_start:i].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            while i < n and src[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(
                    f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            if src[i] != "=":
                if tag == "blockquote" and attr == "expandable":
                    argument = "expandable"
                continue
            i += 1
            while i < n and src[i].isspace():
                i += 1
            if i >= n:
                raise HtmlParseError(
                    f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            if src[i] in "\"'":
                quote = src[i]
                i += 1
                value_chars: list[str] = []
                while i < n and src[i] != quote:
                    if src[i] == "&":
                        decoded = _decode_entity(src, i)
                        if decoded is not None:
                            value_chars.append(decoded[0])
                            i = decoded[1]
                            continue
                    value_chars.append(src[i])
                    i += 1
                if i >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                i += 1
                value = "".join(value_chars)
            else:
                token_start = i
                while i < n and src[i].isascii() and (src[i].isalnum() or src[i] in ".-"):
                    i += 1
                value = src[token_start:i].lower()
                if i >= n or (not src[i].isspace() and src[i] != ">"):
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {byte_offset(token_start)}"
                    )
            if tag == "a" and attr == "href":
                argument = value
            elif tag == "code" and attr == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif tag == "span" and attr == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif tag == "tg-emoji" and attr == "emoji-id":
                argument = value
            elif tag == "blockquote" and attr == "expandable":
                argument = "expandable"
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        stack.append(_OpenTag(tag, argument, utf16, begin))

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return _trim("".join(out), entities)


def _close_tag(top: _OpenTag, utf16: int, entities: list[JSONDict], src: str) -> None:
    length = utf16 - top.offset
    if length <= 0:
        return
    entity: JSONDict = {"offset": top.offset, "length": length}
    if top.tag in _SIMPLE_ENTITY_TYPES:
        entity["type"] = _SIMPLE_ENTITY_TYPES[top.tag]
    elif top.tag == "tg-emoji":
        if not top.argument.isdigit():
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entity.update(type="custom_emoji", custom_emoji_id=top.argument)
    elif top.tag == "a":
        url = top.argument
        if not url:
            return  # Telegram uses the inner text as the URL; a bare <a> adds nothing to check
        entity.update(type="text_link", url=url)
    elif top.tag == "code":
        entity["type"] = "code"
        if top.argument:
            entity["language"] = top.argument
    elif top.tag == "pre":
        last = entities[-1] if entities else None
        if (
            last
            and last["type"] == "code"
            and (last["offset"], last["length"])
            == (
                top.offset,
                length,
            )
        ):
            entities.pop()
            entity["type"] = "pre"
            if "language" in last:
                entity["language"] = last["language"]
        else:
            entity["type"] = "pre"
    elif top.tag == "blockquote":
        entity["type"] = "expandable_blockquote" if top.argument else "blockquote"
    else:  # pragma: no cover - HTML_TAGS and this function must agree
        raise AssertionError(top.tag)
    entities.append(entity)


def _trim(text: str, entities: list[JSONDict]) -> ParsedText:
    """Strip leading/trailing whitespace as Telegram does, moving and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText(text, entities)
    left = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept: list[JSONDict] = []
    for entity in entities:
        start = max(0, entity["offset"] - left)
        end = min(total, entity["offset"] + entity["length"] - left)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(stripped, kept)


# ----------------------------------------------------------------------------------------------
# Parameters
# ----------------------------------------------------------------------------------------------

JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope",
        "link_preview_options", "reply_parameters", "allowed_updates", "media", "results",
        "permissions", "options", "explanation_entities", "suggested_post_parameters",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "user_id", "offset", "limit", "timeout",
        "message_thread_id", "reply_to_message_id", "cache_time", "until_date",
        "direct_messages_topic_id",
    }
)  # fmt: skip
BOOL_FIELDS = frozenset(
    {
        "disable_notification", "protect_content", "disable_web_page_preview", "show_alert",
        "drop_pending_updates", "allow_sending_without_reply", "allow_paid_broadcast",
        "disable_content_type_detection", "has_spoiler", "show_caption_above_media",
        "only_if_banned", "revoke_messages", "for_channels",
    }
)  # fmt: skip
_INT_RE = re.compile(r"-?\d+")


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if name in JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                return value
        if name in INT_FIELDS and _INT_RE.fullmatch(value.strip()):
            return int(value)
        if name in BOOL_FIELDS:
            return value.strip().lower() in ("true", "1")
    return value


class Params:
    """Decoded request parameters, with typed accessors that answer like Telegram."""

    def __init__(self, values: JSONDict, files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
            return int(value)
        raise bad_request(f"invalid {name} specified")

    def get_float(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_object(self, name: str, what: str) -> Any:
        """A JSON-typed field; a string that did not decode is Telegram's 'can't parse'."""
        value = self.values.get(name)
        if isinstance(value, str):
            raise bad_request(f"can't parse {what} JSON object")
        return value

    def recorded(self) -> JSONDict:
        out = dict(self.values)
        for name, upload in self.files.items():
            out[name] = upload.describe()
        return out


async def _read_params(request: web.Request) -> Params:
    values: JSONDict = {name: _coerce(name, value) for name, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            values.update((name, _coerce(name, value)) for name, value in body.items())
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    files[name] = UploadedFile(name, value.filename, value.content_type, data)
                else:
                    values[name] = _coerce(name, value)
    return Params(values, files)


# ----------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\d+:[\w-]+")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_RATE_LIMITED_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "editMessageText",
        "editMessageReplyMarkup", "copyMessage", "forwardMessage", "sendMediaGroup",
    }
)  # fmt: skip
_FORBIDDEN_KICKED = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot was kicked from the group chat",
    "supergroup": "Forbidden: bot was kicked from the supergroup chat",
    "channel": "Forbidden: bot was kicked from the channel chat",
}
_FORBIDDEN_LEFT = {
    "private": "Forbidden: bot was blocked by the user",
    "group": "Forbidden: bot is not a member of the group chat",
    "supergroup": "Forbidden: bot is not a member of the supergroup chat",
    "channel": "Forbidden: bot is not a member of the channel chat",
}
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


def _chat_type_for(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


def _requests_location(markup: JSONDict | None) -> bool:
    """Whether a reply keyboard has a button that asks for the user's location."""
    rows = (markup or {}).get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


def _markup_or_none(markup: Any) -> JSONDict | None:
    if not markup:
        return None
    if isinstance(markup, dict) and markup.get("inline_keyboard") == []:
        return None
    return markup if isinstance(markup, dict) else None


class BotApiServer:
    """A Telegram Bot API look-alike on 127.0.0.1, with injection, recording and faults."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int | None = None,
        username: str = "newsbot_test_bot",
        *,
        first_name: str = "Newsbot Test",
        port: int = 0,
        auto_create_chats: bool = True,
        strict_html_entities: bool = True,
        max_poll_timeout: float = 10.0,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else (int(prefix) if prefix.isdigit() else 1)
        self.username = username
        self.first_name = first_name
        self.auto_create_chats = auto_create_chats
        self.strict_html_entities = strict_html_entities
        self.max_poll_timeout = max_poll_timeout
        self._port = port

        self.calls: list[Call] = []
        self.chats: dict[int, ChatInfo] = {}
        self.answered_callbacks: dict[str, JSONDict] = {}
        self.commands_by_scope: dict[tuple[str, str], list[JSONDict]] = {}
        self.files: dict[str, FileRecord] = {}
        self.webhook_deleted = 0
        # The webhook as set by setWebhook (url, secret_token, allowed_updates), or None.
        self.webhook: JSONDict | None = None
        # Every POST of an update to the webhook: (update_id, HTTP status or 0 for no answer).
        self.webhook_posts: list[tuple[int, int]] = []
        self.webhook_retry_delay = 0.2
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_error: tuple[int, str] | None = None

        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._pending_callbacks: set[str] = set()
        self._members: dict[tuple[int, int], str] = {}
        self._users: dict[int, JSONDict] = {}
        self._blocked: dict[int, str] = {}
        self._migrated: dict[int, int] = {}
        self.topics: dict[tuple[int, int], ForumTopic] = {}  # (chat id, thread id) -> topic
        self._faults: list[Fault] = []
        self._limiter: SlidingWindowLimiter | None = None
        self._paid_limiter: SlidingWindowLimiter | None = None
        self._limited_methods: frozenset[str] = _RATE_LIMITED_METHODS
        self._gates: list[Gate] = [self._outage_gate, self._fault_gate, self._rate_limit_gate]
        # Whole-server faults (see go_down, stall, fail_everything).
        self._site: web.TCPSite | None = None
        self._down = False
        self._stalled_until = 0.0
        self._failing_until = 0.0
        self._failing_status = 502
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._started_at = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._ok_true,
            "close": self._ok_true,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "sendChatAction": self._send_chat_action,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "createForumTopic": self._create_forum_topic,
            "closeForumTopic": self._close_forum_topic,
            "reopenForumTopic": self._reopen_forum_topic,
            "deleteForumTopic": self._delete_forum_topic,
        }
        self._by_lower = {name.lower(): name for name in self._handlers}

    # -- lifecycle ------------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/test/inject", self._handle_test_inject)
        app.router.add_post("/test/callback", self._handle_test_callback)
        app.router.add_get("/test/calls", self._handle_test_calls)
        app.router.add_get("/test/messages", self._handle_test_messages)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("BotApiServer already started")
        self._closing = False
        self._changed = asyncio.Event()
        runner = web.AppRunner(self._make_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port)
        await site.start()
        self._runner, self._site = runner, site
        host, port = runner.addresses[0][:2]
        self._port = port
        self._base_url = f"http://{host}:{port}"
        self._started_at = time.monotonic()

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        await self._stop_webhook_delivery()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; PTB wants ``f"{base_url}/bot"``."""
        if self._base_url is None:
            raise RuntimeError("BotApiServer not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """What to give PTB's ``base_url``."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """What to give PTB's ``base_file_url``."""
        return f"{self.base_url}/file/bot"

    def _notify(self) -> None:
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    # -- request pipeline -----------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()  # Telegram counts a message when it arrives
        if self._down:  # as if the host were unreachable: dropped unanswered, not acted on
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if arrived < self._stalled_until:
            await asyncio.sleep(self._stalled_until - arrived)
        token = request.match_info["token"]
        raw_method = request.match_info["method"]
        method = self._by_lower.get(raw_method.lower())
        params = Params({}, {})
        try:
            params = await _read_params(request)
            if token != self.token:
                # Telegram: 404 for a token that is not even shaped like one, 401 otherwise
                raise (
                    ApiError(404, "Not Found")
                    if not _TOKEN_RE.fullmatch(token)
                    else ApiError(401, "Unauthorized")
                )
            if method is None:
                raise ApiError(404, "Not Found")
            for gate in self._gates:
                refusal = gate(method, params.values)
                if refusal is not None:
                    raise refusal
            result = await self._handlers[method](params)
            status, body = 200, {"ok": True, "result": result}
        except ApiError as err:
            status, body = err.status, err.body()
            # A fault may echo the request path, as some proxies' error pages do (token and all).
            body["description"] = str(body["description"]).replace("{path}", request.path)
        except Exception as err:  # a bug here: answer and record it rather than hide it
            status = 500
            body = ApiError(500, f"Internal Server Error: test server bug {err!r}").body()
        gone = request.transport is None or request.transport.is_closing()
        if not (method == "getUpdates" and gone):
            # A long poll whose client gave up (PTB cancels it on stop) is not worth a record;
            # every other call is, answered or not: the server did act on it.
            self._record(Call(method or raw_method, params.recorded(), arrived, body, status))
        return web.json_response(body, status=status)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._notify()

    def add_gate(self, gate: Gate) -> None:
        """Add a check run before every known method: return an ApiError to refuse the call."""
        self._gates.append(gate)

    # -- whole-server faults ----------------------------------------------------------------

    async def go_down(self) -> None:
        """Stop answering: new connections are refused, open ones are dropped unanswered."""
        self._down = True
        if self._site is not None:
            await self._site.stop()
            self._site = None

    async def come_up(self) -> None:
        """Answer again, on the same port."""
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        self._site, self._down = site, False

    def stall(self, seconds: float) -> None:
        """Hold every request that arrives in the next ``seconds`` until they are over."""
        self._stalled_until = time.monotonic() + seconds

    def fail_everything(self, seconds: float, status: int = 502) -> None:
        """Answer every call with ``status`` (a proxy's 5xx page) for ``seconds``."""
        self._failing_until, self._failing_status = time.monotonic() + seconds, status

    def _outage_gate(self, method: str, params: JSONDict) -> ApiError | None:
        if time.monotonic() < self._failing_until:
            status = self._failing_status
            return ApiError(status, _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}"))
        return None

    def _fault_gate(self, method: str, params: JSONDict) -> ApiError | None:
        for fault in self._faults:
            if fault.matches(method, params):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return ApiError(fault.status, fault.description, fault.parameters)
        return None

    def _rate_limit_gate(self, method: str, params: JSONDict) -> ApiError | None:
        if self._limiter is None or method not in self._limited_methods:
            return None
        now = time.monotonic()
        # A paid broadcast skips the free window; every send counts in the paid one.
        paid = params.get("allow_paid_broadcast") in (True, "true", "True", "1")
        wait = None
        if self._paid_limiter is not None:
            wait = self._paid_limiter.try_acquire(now)
        if wait is None and not paid:
            wait = self._limiter.try_acquire(now)
        if wait is None:
            return None
        return ApiError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})

    # -- fault and limit controls ---------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
    ) -> Fault:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with an error.

        ``description`` defaults to Telegram's wording for the status (429 gets
        "Too Many Requests: retry after N"). retry_after/migrate_to_chat_id go in ``parameters``.
        ``{path}`` in ``description`` is replaced by the request's path (token included), like
        a proxy's error page that echoes the URL.
        """
        canonical = self._by_lower.get(method.lower(), method)
        parameters: JSONDict = {}
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
            elif migrate_to_chat_id is not None:
                description = "Bad Request: group chat was upgraded to a supergroup chat"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        fault = Fault(canonical, status, description, parameters, chat_id, times)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Sends to ``chat_id`` answer 403 (private: "Forbidden: bot was blocked by the user")."""
        chat = self.chats.get(chat_id)
        chat_type = chat.type if chat else _chat_type_for(chat_id)
        self._blocked[chat_id] = description or _FORBIDDEN_KICKED[chat_type]

    def unblock(self, chat_id: int) -> None:
        self._blocked.pop(chat_id, None)

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """The group was upgraded: sends to ``chat_id`` answer 400 with migrate_to_chat_id."""
        self._migrated[chat_id] = new_chat_id
        old = self.chats.get(chat_id)
        self.add_chat(new_chat_id, "supergroup", title=old.title if old else None)

    def rate_limit(
        self,
        per_second: float | None,
        *,
        methods: Iterable[str] | None = None,
        paid_per_second: float | None = None,
    ) -> None:
        """Enforce a global sliding one-second window over the sending methods (None: off).

        Refused calls get 429 "Too Many Requests: retry after N" with parameters.retry_after.
        With ``paid_per_second``, calls with ``allow_paid_broadcast`` skip the free window and
        every call counts in a second window of that size, as Telegram's paid broadcasts do.
        """
        self._limiter = SlidingWindowLimiter(per_second) if per_second else None
        self._paid_limiter = (
            SlidingWindowLimiter(paid_per_second) if per_second and paid_per_second else None
        )
        if methods is not None:
            self._limited_methods = frozenset(self._by_lower.get(m.lower(), m) for m in methods)

    def accepted_per_second_windows(self, method: str = "sendMessage") -> int:
        """The largest number of accepted ``method`` calls in any one-second window."""
        times = sorted(c.at for c in self.calls if c.method == method and c.ok)
        best = 0
        start = 0
        for end, at in enumerate(times):
            while at - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    # -- chats, users, members ------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> ChatInfo:
        """Register (or update) a chat the server knows."""
        if chat_type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {chat_type!r}")
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = ChatInfo(chat_id, chat_type, title, username, first_name)
            self.chats[chat_id] = chat
        else:
            chat.type = chat_type
            chat.title = title or chat.title
            chat.username = username or chat.username
            chat.first_name = first_name or chat.first_name
        return chat

    # -- forum topics ---------------------------------------------------------------------------

    def add_forum(self, chat_id: int, *, title: str | None = None) -> ChatInfo:
        """Register a forum supergroup (a supergroup with topics enabled)."""
        chat = self.add_chat(chat_id, "supergroup", title=title)
        chat.is_forum = True
        # Message id 1 is the General topic's (sending to thread 1 is refused, #798).
        self._next_message_id[chat_id] = max(self._next_message_id.get(chat_id, 1), 2)
        return chat

    def create_topic(self, chat_id: int, name: str) -> int:
        """Open a topic in the forum ``chat_id``; returns its ``message_thread_id``.

        As in Telegram, the thread id is the id of the topic's service message.
        """
        chat = self.chats.get(chat_id)
        if chat is None or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        thread_id = self._new_message_id(chat_id)
        self.topics[(chat_id, thread_id)] = ForumTopic(chat_id, thread_id, name)
        return thread_id

    def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close a topic: members (and the bot) can no longer post in it."""
        self._topic(chat_id, thread_id).closed = True

    def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        """Open a closed topic again."""
        self._topic(chat_id, thread_id).closed = False

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete a topic with its messages."""
        self._topic(chat_id, thread_id)
        del self.topics[(chat_id, thread_id)]
        stored = self._messages.get(chat_id, {})
        for message_id in [i for i, m in stored.items() if m.thread_id == thread_id]:
            del stored[message_id]

    def _topic(self, chat_id: int, thread_id: int | None) -> ForumTopic:
        topic = self.topics.get((chat_id, thread_id)) if thread_id is not None else None
        if topic is None:
            raise bad_request("message thread not found")
        return topic

    def _thread_for_send(self, chat: ChatInfo, params: Params) -> int | None:
        """The thread a send goes to, or Telegram's error for a thread it cannot post in."""
        thread_id = params.get_int("message_thread_id")
        if thread_id is None:
            return None
        topic = self._topic(chat.id, thread_id) if chat.is_forum else None
        if topic is None:
            raise bad_request("message thread not found")
        if topic.closed:
            raise bad_request("TOPIC_CLOSED")
        return thread_id

    async def _create_forum_topic(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        name = params.get_str("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        thread_id = self.create_topic(chat.id, name)
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    async def _close_forum_topic(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        self.close_topic(chat.id, params.get_int("message_thread_id") or 0)
        return True

    async def _reopen_forum_topic(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        self.reopen_topic(chat.id, params.get_int("message_thread_id") or 0)
        return True

    async def _delete_forum_topic(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        self.delete_topic(chat.id, params.get_int("message_thread_id") or 0)
        return True

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember(chat_id, user_id) answers this status (default "member")."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}; one of {MEMBER_STATUSES}")
        self._members[(chat_id, user_id)] = status

    def _resolve_chat(self, params: Params, *, sending: bool = False) -> ChatInfo:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str):
            name = raw.removeprefix("@").lower()
            for known in self.chats.values():
                if known.username and known.username.lower() == name:
                    return known
            raise bad_request("chat not found")
        if not isinstance(raw, int):
            raise bad_request("chat not found")
        if raw in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[raw]},
            )
        chat = self.chats.get(raw)
        if chat is None:
            if not self.auto_create_chats:
                raise bad_request("chat not found")
            chat = self.add_chat(raw, _chat_type_for(raw))
        if sending and chat.id in self._blocked:
            raise ApiError(403, self._blocked[chat.id])
        return chat

    def _user(self, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return self._bot_user()
        return self._users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "Test"}

    def _bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def member_status(self, chat_id: int, user_id: int) -> str:
        """What getChatMember answers: set_member_status, else "member" ("administrator" for
        the bot in a channel)."""
        chat = self.chats.get(chat_id)
        is_channel = chat is not None and chat.type == "channel"
        default = "administrator" if is_channel and user_id == self.bot_id else "member"
        return self._members.get((chat_id, user_id), default)

    def _member_json(self, chat: ChatInfo, user_id: int, status: str | None = None) -> JSONDict:
        status = status or self.member_status(chat.id, user_id)
        user = self._user(user_id)
        out: JSONDict = {"status": status, "user": user}
        if status == "creator":
            out["is_anonymous"] = False
        elif status == "administrator":
            out.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=True,
                can_edit_stories=True,
                can_delete_stories=True,
            )
            if chat.type == "channel":
                out.update(can_post_messages=True, can_edit_messages=True)
            else:
                out["can_pin_messages"] = True
        elif status == "restricted":
            out.update(
                is_member=True,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_send_messages=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_manage_topics=False,
                until_date=0,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_edit_tag=False,
            )
        elif status == "kicked":
            out["until_date"] = 0
        return out

    # -- messages -------------------------------------------------------------------------------

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _store(self, message: StoredMessage) -> StoredMessage:
        self._messages.setdefault(message.chat_id, {})[message.message_id] = message
        return message

    def messages(self, chat_id: int, *, incoming: bool = False) -> list[StoredMessage]:
        """Current (edited, not deleted) messages the bot sent to ``chat_id``, oldest first.

        ``incoming=True`` lists the injected user messages instead.
        """
        stored = self._messages.get(chat_id, {})
        return [m for _, m in sorted(stored.items()) if m.from_bot != incoming]

    def message(self, chat_id: int, message_id: int) -> StoredMessage:
        try:
            return self._messages[chat_id][message_id]
        except KeyError:
            raise KeyError(f"no message {message_id} in chat {chat_id}") from None

    def _message_json(self, message: StoredMessage) -> JSONDict:
        chat = self.chats[message.chat_id]
        out: JSONDict = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.to_api(),
        }
        if chat.type == "channel":
            out["sender_chat"] = chat.to_api()
        elif message.from_bot:
            out["from"] = self._bot_user()
        elif message.user_id is not None:
            out["from"] = self._user(message.user_id)
        if message.edit_date is not None:
            out["edit_date"] = message.edit_date
        if message.thread_id is not None:
            out["message_thread_id"] = message.thread_id
            out["is_topic_message"] = True
        if message.kind == "text":
            out["text"] = message.text or ""
            if message.entities:
                out["entities"] = message.entities
        elif message.kind == "location":
            out["location"] = message.extra["location"]
        else:
            record = message.file
            assert record is not None
            if message.kind == "photo":
                out["photo"] = [
                    {
                        "file_id": record.file_id,
                        "file_unique_id": record.file_unique_id,
                        "width": 800,
                        "height": 600,
                        "file_size": record.size,
                    }
                ]
            else:
                document: JSONDict = {
                    "file_id": record.file_id,
                    "file_unique_id": record.file_unique_id,
                    "file_size": record.size,
                }
                if record.filename:
                    document["file_name"] = record.filename
                if record.mime_type:
                    document["mime_type"] = record.mime_type
                out["document"] = document
            if message.caption:
                out["caption"] = message.caption
                if message.entities:
                    out["caption_entities"] = message.entities
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            out["reply_markup"] = message.reply_markup
        return out

    def _parse_text(
        self, params: Params, text_field: str, entities_field: str, *, caption: bool
    ) -> tuple[str, str | None, str | None, list[JSONDict]]:
        """(plain text, html as sent, parse mode, entities) or a Telegram 400."""
        raw = params.get_str(text_field)
        parse_mode = params.get_str("parse_mode") or None
        if raw is None or raw.strip() == "":
            if caption:
                return "", raw, parse_mode, []
            raise bad_request("message text is empty")
        mode = parse_mode.lower() if parse_mode else None
        if mode == "html":
            try:
                parsed = parse_html(raw, strict_entities=self.strict_html_entities)
            except HtmlParseError as err:
                raise bad_request(f"can't parse entities: {err}") from None
            text, entities = parsed.text, parsed.entities
        elif mode in (None, "markdown", "markdownv2"):
            text = raw.strip()
            given = params.get_object(entities_field, "entities")
            entities = list(given) if isinstance(given, list) else []
        else:
            raise bad_request("unsupported parse_mode")
        limit = CAPTION_LIMIT if caption else TEXT_LIMIT
        if utf16_len(text) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        if not text and not caption:
            raise bad_request("message text is empty")
        return text, raw, parse_mode, entities

    def _reply_markup(self, params: Params) -> JSONDict | None:
        if not params.has("reply_markup") or params.get("reply_markup") in (None, ""):
            return None
        markup = params.get_object("reply_markup", "reply keyboard markup")
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            buttons = [b for row in rows for b in row]
            if len(buttons) > MAX_BUTTONS:
                raise bad_request("reply markup is too long")
            for button in buttons:
                self._check_button(button)
        elif not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise bad_request("BUTTON_DATA_INVALID")
        elif "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid")
        elif not any(
            k in button
            for k in (
                "login_url",
                "switch_inline_query",
                "switch_inline_query_current_chat",
                "switch_inline_query_chosen_chat",
                "callback_game",
                "pay",
                "web_app",
                "copy_text",
            )
        ):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )

    def _send_extras(self, params: Params) -> JSONDict:
        skip = {
            "chat_id",
            "text",
            "caption",
            "parse_mode",
            "entities",
            "caption_entities",
            "reply_markup",
            "link_preview_options",
            "disable_web_page_preview",
            "message_thread_id",
        }
        return {k: v for k, v in params.values.items() if k not in skip}

    def _edit_target(self, params: Params) -> StoredMessage:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the test server")
        chat = self._resolve_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._messages.get(chat.id, {}).get(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    # -- method handlers ------------------------------------------------------------------------

    async def _ok_true(self, params: Params) -> Any:
        return True

    async def _get_me(self, params: Params) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset", 0) or 0
        limit = min(100, max(1, params.get_int("limit", 100) or 100))
        timeout = min(self.max_poll_timeout, max(0.0, params.get_float("timeout", 0.0)))
        allowed = params.get_object("allowed_updates", "allowed updates")
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll, which then answers 409
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            ready = self._updates
            if isinstance(allowed, list) and allowed:
                ready = [u for u in ready if any(k in u for k in allowed)]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return ready[:limit]
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _delete_webhook(self, params: Params) -> Any:
        self.webhook_deleted += 1
        self.webhook = None
        await self._stop_webhook_delivery()
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: Params) -> Any:
        url = params.get_str("url") or ""
        if not url:  # Telegram: an empty url removes the webhook
            return await self._delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            # Telegram wants https on port 443, 80, 88 or 8443; plain http is allowed here
            # because the bot under test listens on 127.0.0.1 without a certificate.
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get_object("allowed_updates", "allowed updates")
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        await self._stop_webhook_delivery()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": allowed if isinstance(allowed, list) else None,
            "max_connections": params.get_int("max_connections", 40),
        }
        self._webhook_error = None
        self._poll_generation += 1  # a long poll in progress ends with 409, as on Telegram
        self._notify()
        self._webhook_task = asyncio.create_task(self._deliver_to_webhook())
        return True

    async def _get_webhook_info(self, params: Params) -> Any:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    async def _stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_to_webhook(self) -> None:
        """POST pending updates, oldest first, to the webhook with the secret header, as
        Telegram does; an update leaves the queue on a 2xx answer and is retried otherwise."""
        webhook = self.webhook
        assert webhook is not None
        headers = {"Content-Type": "application/json"}
        if webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        allowed = webhook["allowed_updates"]
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as client:
            while self.webhook is webhook and not self._closing:
                ready = [u for u in self._updates if not allowed or any(k in u for k in allowed)]
                if not ready:
                    event = self._changed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update = ready[0]
                try:
                    async with client.post(webhook["url"], json=update, headers=headers) as answer:
                        status = answer.status
                except (aiohttp.ClientError, TimeoutError) as err:
                    status, error = 0, f"Connection failed: {type(err).__name__}"
                else:
                    error = f"Wrong response from the webhook: {status}"
                self.webhook_posts.append((update["update_id"], status))
                if 200 <= status < 300:
                    self._updates = [u for u in self._updates if u is not update]
                    self._notify()
                else:
                    self._webhook_error = (int(time.time()), error)
                    self._notify()
                    await asyncio.sleep(self.webhook_retry_delay)

    async def post_to_webhook(
        self, body: bytes | JSONDict, *, secret: str | None = None
    ) -> tuple[int, str]:
        """POST ``body`` to the webhook as a stranger would (with ``secret`` as the header, or
        none); return the answer's status and text. For testing the bot's refusals."""
        assert self.webhook is not None, "no webhook set"
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.webhook["url"], data=data, headers=headers) as answer,
        ):
            return answer.status, await answer.text()

    @staticmethod
    def _scope_key(params: Params) -> tuple[str, str]:
        scope = params.get_object("scope", "scope") or {"type": "default"}
        language = params.get_str("language_code") or ""
        return json.dumps(scope, sort_keys=True), language

    async def _set_my_commands(self, params: Params) -> Any:
        commands = params.get_object("commands", "commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name.lower()):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands_by_scope[self._scope_key(params)] = [
            {"command": c["command"].lower(), "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: Params) -> Any:
        return self.commands_by_scope.get(self._scope_key(params), [])

    async def _delete_my_commands(self, params: Params) -> Any:
        self.commands_by_scope.pop(self._scope_key(params), None)
        return True

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands last set for ``scope`` (default scope) and ``language_code``."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True), language_code
        return self.commands_by_scope.get(key, [])

    async def _send_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params, sending=True)
        text, html, parse_mode, entities = self._parse_text(
            params, "text", "entities", caption=False
        )
        markup = self._reply_markup(params)
        if chat.type != "private" and _requests_location(markup):
            # Telegram's own words (yagop/node-telegram-bot-api#612).
            raise bad_request("location can be requested in a private chats only")
        thread_id = self._thread_for_send(chat, params)
        link_preview = params.get_object("link_preview_options", "link preview options")
        message = self._store(
            StoredMessage(
                thread_id=thread_id,
                chat_id=chat.id,
                message_id=self._new_message_id(chat.id),
                date=int(time.time()),
                from_bot=True,
                text=text,
                html=html,
                parse_mode=parse_mode,
                entities=entities,
                reply_markup=markup,
                link_preview_options=link_preview if isinstance(link_preview, dict) else None,
                disable_web_page_preview=params.get_bool("disable_web_page_preview")
                if params.has("disable_web_page_preview")
                else None,
                extra=self._send_extras(params),
            )
        )
        return self._message_json(message)

    async def _edit_message_text(self, params: Params) -> Any:
        message = self._edit_target(params)
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text, html, parse_mode, entities = self._parse_text(
            params, "text", "entities", caption=False
        )
        markup = _markup_or_none(self._reply_markup(params))
        if (
            text == message.text
            and entities == message.entities
            and markup == _markup_or_none(message.reply_markup)
        ):
            raise bad_request(NOT_MODIFIED)
        message.text, message.html, message.parse_mode = text, html, parse_mode
        message.entities, message.reply_markup = entities, markup
        if params.has("link_preview_options"):
            options = params.get_object("link_preview_options", "link preview options")
            message.link_preview_options = options if isinstance(options, dict) else None
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _edit_message_reply_markup(self, params: Params) -> Any:
        message = self._edit_target(params)
        markup = _markup_or_none(self._reply_markup(params))
        if markup == _markup_or_none(message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        message.edit_date = int(time.time())
        return self._message_json(message)

    async def _delete_message(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        message_id = params.get_int("message_id")
        stored = self._messages.get(chat.id, {})
        if message_id is None or message_id not in stored:
            raise bad_request("message to delete not found")
        del stored[message_id]
        return True

    async def _answer_callback_query(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id")
        if not query_id or query_id not in self._pending_callbacks:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._pending_callbacks.discard(query_id)
        self.answered_callbacks[query_id] = dict(params.values)
        return True

    async def _get_chat(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        user_id = params.get_int("user_id")
        if user_id is None:
            raise bad_request("user_id is empty")
        return self._member_json(chat, user_id)

    async def _get_chat_administrators(self, params: Params) -> Any:
        chat = self._resolve_chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            self._member_json(chat, user_id)
            for (chat_id, user_id), status in self._members.items()
            if chat_id == chat.id and status in ("creator", "administrator")
        ]

    async def _send_chat_action(self, params: Params) -> Any:
        self._resolve_chat(params, sending=True)
        return True

    def _new_file(
        self, content: bytes, filename: str | None, mime_type: str | None, folder: str
    ) -> FileRecord:
        number = next(self._file_ids)
        unique = hashlib.sha1(content + str(number).encode()).hexdigest()[:16]
        suffix = ""
        if filename and "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        record = FileRecord(
            file_id=f"F{number}-{unique}",
            file_unique_id=unique,
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self.files[record.file_id] = record
        return record

    def _input_file(self, params: Params, name: str, folder: str) -> FileRecord:
        upload = params.files.get(name)
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            return self._new_file(upload.data, upload.filename, upload.content_type, folder)
        value = params.get_str(name)
        if value and value.startswith("attach://"):
            attached = params.files.get(value.removeprefix("attach://"))
            if attached is not None and attached.data:
                return self._new_file(
                    attached.data, attached.filename, attached.content_type, folder
                )
        if value and value in self.files:
            return self.files[value]
        if value and re.match(r"https?://", value):
            return self._new_file(b"", value.rsplit("/", 1)[-1] or None, None, folder)
        raise bad_request(
            f"there is no {name} in the request"
            if not value
            else "wrong file identifier/HTTP URL specified"
        )

    async def _send_media(self, params: Params, kind: str) -> Any:
        chat = self._resolve_chat(params, sending=True)
        record = self._input_file(params, kind, f"{kind}s")
        caption, html, parse_mode, entities = self._parse_text(
            params, "caption", "caption_entities", caption=True
        )
        message = self._store(
            StoredMessage(
                chat_id=chat.id,
                message_id=self._new_message_id(chat.id),
                date=int(time.time()),
                from_bot=True,
                html=html,
                parse_mode=parse_mode,
                entities=entities,
                reply_markup=self._reply_markup(params),
                caption=caption or None,
                kind=kind,
                file=record,
                extra=self._send_extras(params),
            )
        )
        return self._message_json(message)

    async def _send_photo(self, params: Params) -> Any:
        return await self._send_media(params, "photo")

    async def _send_document(self, params: Params) -> Any:
        return await self._send_media(params, "document")

    async def _get_file(self, params: Params) -> Any:
        record = self.files.get(params.get_str("file_id") or "")
        if record is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": record.size,
            "file_path": record.file_path,
        }

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        path = request.match_info["path"]
        for record in self.files.values():
            if record.file_path == path:
                return web.Response(
                    body=record.content, content_type=record.mime_type or "application/octet-stream"
                )
        return web.json_response(ApiError(404, "Not Found").body(), status=404)

    # -- injection ------------------------------------------------------------------------------

    def inject_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw update for getUpdates; ``update_id`` is assigned."""
        update = {**update, "update_id": next(self._update_ids)}
        self._updates.append(update)
        self._notify()
        return update

    def _register_user(
        self, user_id: int, first_name: str, language_code: str | None, username: str | None
    ) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _incoming_chat(
        self, chat_id: int, chat_type: str, title: str | None, first_name: str
    ) -> ChatInfo:
        return self.add_chat(
            chat_id,
            chat_type,
            title=title,
            first_name=first_name if chat_type == "private" else None,
        )

    def _default_user(self, chat_id: int, chat_type: str, user_id: int | None) -> int:
        """Who sends an injected update: ``user_id``, or in a private chat the chat's own id.

        ValueError when that is the bot's id (the number before the token's colon): updates
        come from users, and a message "from" the bot would greet the bot by its own name.
        """
        sender = (
            user_id
            if user_id is not None
            else (chat_id if chat_type == "private" else DEFAULT_GROUP_USER_ID)
        )
        if sender == self.bot_id:
            raise ValueError(
                f"user {sender} is the bot itself (its token starts with {self.bot_id}:); "
                "inject as another user: another chat_id, or a user_id"
            )
        return sender

    def inject_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        first_name: str = "Test",
        title: str | None = None,
        username: str | None = None,
        thread_id: int | None = None,
    ) -> JSONDict:
        """Queue an Update with a text Message from a user; commands get a bot_command entity.

        ``user_id`` defaults to ``chat_id`` in private chats. A channel gets a channel_post.
        ``thread_id`` posts it in that topic of a forum (see :meth:`create_topic`).
        """
        if thread_id is not None:
            self._topic(chat_id, thread_id)
        chat = self._incoming_chat(chat_id, chat_type, title, first_name)
        sender = self._default_user(chat_id, chat_type, user_id)
        if chat_type != "channel":
            self._register_user(sender, first_name, language_code, username)
        message = self._store(
            StoredMessage(
                chat_id=chat_id,
                message_id=self._new_message_id(chat_id),
                date=int(time.time()),
                from_bot=False,
                text=text,
                user_id=None if chat_type == "channel" else sender,
                thread_id=thread_id,
            )
        )
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message.entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        kind = "channel_post" if chat.type == "channel" else "message"
        return self.inject_update({kind: self._message_json(message)})

    def inject_callback(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> JSONDict:
        """Queue an Update with a callback_query pressed on the stored message ``message_id``.

        ``chat_type`` only matters for a chat the server does not know yet (it picks the
        default ``user_id``). KeyError if there is no such message.
        """
        message = self.message(chat_id, message_id)
        known = self.chats.get(chat_id)
        sender = self._default_user(chat_id, known.type if known else chat_type, user_id)
        user = self._users.get(sender) or self._register_user(
            sender, first_name, language_code, None
        )
        query_id = str(next(self._callback_ids) * 1000003 + self.bot_id % 1000)
        self._pending_callbacks.add(query_id)
        return self.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user,
                    "message": self._message_json(message),
                    "chat_instance": str(abs(chat_id) * 7919 % 10**12),
                    "data": data,
                }
            }
        )

    def inject_my_chat_member(
        self,
        chat_id: int,
        new_status: str,
        *,
        chat_type: str = "private",
        user_id: int | None = None,
        old_status: str | None = None,
        title: str | None = None,
    ) -> JSONDict:
        """Queue a my_chat_member Update: the bot's status in ``chat_id`` changed.

        It also takes effect: "kicked"/"left" makes sends answer 403, "member"/"administrator"/
        "creator" lifts that.
        """
        if new_status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {new_status!r}")
        chat = self._incoming_chat(chat_id, chat_type, title, "Test")
        sender = self._default_user(chat_id, chat_type, user_id)
        previous = self._members.get((chat_id, self.bot_id))
        if old_status is None:
            old_status = previous or ("member" if chat_id in self._messages else "left")
        old = self._member_json(chat, self.bot_id, old_status)
        self.set_member_status(chat_id, self.bot_id, new_status)
        new = self._member_json(chat, self.bot_id)
        if new_status == "kicked":
            self.block(chat_id, _FORBIDDEN_KICKED[chat.type])
        elif new_status == "left":
            self.block(chat_id, _FORBIDDEN_LEFT[chat.type])
        else:
            self.unblock(chat_id)
        return self.inject_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": self._user(sender),
                    "date": int(time.time()),
                    "old_chat_member": old,
                    "new_chat_member": new,
                }
            }
        )

    def inject_location(
        self,
        chat_id: int,
        latitude: float,
        longitude: float,
        *,
        user_id: int | None = None,
        language_code: str | None = "en",
    ) -> JSONDict:
        """Queue an Update with a location a user shared (a request_location button's answer)."""
        return self._inject_from_user(
            chat_id,
            "private",
            user_id,
            "Test",
            language_code,
            kind="location",
            extra={"location": {"latitude": latitude, "longitude": longitude}},
        )

    def inject_document(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        first_name: str = "Test",
        language_code: str | None = "en",
    ) -> JSONDict:
        """Queue an Update with a document a user sent; the bot can getFile and download it."""
        record = self._new_file(content, filename, mime_type, "documents")
        return self._inject_from_user(
            chat_id,
            chat_type,
            user_id,
            first_name,
            language_code,
            kind="document",
            file=record,
            caption=caption,
        )

    def _inject_from_user(
        self,
        chat_id: int,
        chat_type: str,
        user_id: int | None,
        first_name: str,
        language_code: str | None = "en",
        **fields: Any,
    ) -> JSONDict:
        """Queue an Update with a non-text message (``fields`` of StoredMessage) from a user."""
        self._incoming_chat(chat_id, chat_type, None, first_name)
        sender = self._default_user(chat_id, chat_type, user_id)
        self._register_user(sender, first_name, language_code, None)
        message = self._store(
            StoredMessage(
                chat_id=chat_id,
                message_id=self._new_message_id(chat_id),
                date=int(time.time()),
                from_bot=False,
                user_id=sender,
                **fields,
            )
        )
        return self.inject_update({"message": self._message_json(message)})

    def clear_pending_updates(self) -> None:
        """Forget queued updates (a test that delivers one itself, e.g. as a load balancer)."""
        self._updates.clear()

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    # -- recording helpers ----------------------------------------------------------------------

    def calls_of(self, method: str, *, chat_id: int | str | None = None) -> list[Call]:
        canonical = self._by_lower.get(method.lower(), method)
        return [
            c
            for c in self.calls
            if c.method == canonical and (chat_id is None or c.params.get("chat_id") == chat_id)
        ]

    def mark(self) -> int:
        """An index for ``wait_for_call(since=...)``: only calls after now count."""
        return len(self.calls)

    async def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - the waiting is the point of this helper
        since: int = 0,
    ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` (to ``chat_id``) are recorded at index >=
        ``since`` (see ``mark()``); return the first ``count`` of them. AssertionError on timeout,
        with a dump of the recent calls."""
        canonical = self._by_lower.get(method.lower(), method)
        deadline = time.monotonic() + timeout
        while True:
            found = [
                c
                for c in self.calls[since:]
                if c.method == canonical and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]
            if len(found) >= count:
                return found[:count]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                target = f"{canonical}" + (f" to chat {chat_id}" if chat_id is not None else "")
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} x {target} "
                    f"(got {len(found)} since call #{since})\n{self.dump_calls()}"
                )
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def dump_calls(self, last: int = 25) -> str:
        """The recent calls, one per line, long-poll getUpdates left out."""
        shown = [c for c in self.calls if not (c.method == "getUpdates" and c.ok and not c.result)][
            -last:
        ]
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        lines = [f"recent calls ({len(self.calls)} in all, {polls} getUpdates):"]
        lines += ["  " + c.describe(self._started_at) for c in shown]
        return "\n".join(lines)

    # -- test routes (standalone use) -----------------------------------------------------------

    async def _json_body(self, request: web.Request) -> JSONDict:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected a JSON object") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return body

    async def _handle_test_inject(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        try:
            update = self.inject_message(
                int(body["chat_id"]),
                str(body["text"]),
                user_id=int(body["user_id"]) if body.get("user_id") is not None else None,
                chat_type=str(body.get("chat_type", "private")),
                language_code=body.get("language_code", "en"),
                first_name=str(body.get("first_name", "Test")),
                title=body.get("title"),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=f"bad inject request: {err!r}") from None
        return web.json_response(update)

    async def _handle_test_callback(self, request: web.Request) -> web.Response:
        body = await self._json_body(request)
        try:
            update = self.inject_callback(
                int(body["chat_id"]), int(body["message_id"]), str(body["data"])
            )
        except (KeyError, TypeError, ValueError) as err:
            raise web.HTTPBadRequest(text=f"bad callback request: {err!r}") from None
        return web.json_response(update)

    async def _handle_test_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls_of(method) if method else self.calls
        return web.json_response(
            [
                {
                    "method": c.method,
                    "params": c.params,
                    "at": c.at,
                    "status": c.status,
                    "response": c.response,
                }
                for c in calls
            ]
        )

    async def _handle_test_messages(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"])
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text="chat_id query parameter required") from None
        return web.json_response(
            [
                {**self._message_json(m), "html": m.html, "entities_count": m.entities_count}
                for m in self.messages(chat_id)
            ]
        )


# ----------------------------------------------------------------------------------------------
# Standalone
# ----------------------------------------------------------------------------------------------


async def _serve(port: int, token: str) -> None:
    server = BotApiServer(token=token, port=port)
    await server.start()
    print(f"Bot API test server on {server.base_url}")
    print(f"  bot: base_url={server.api_url}  token={token}")
    print(f'  inject: curl -d \'{{"chat_id": 1, "text": "/start"}}\' {server.base_url}/test/inject')
    print(f"  calls:  curl {server.base_url}/test/calls")
    seen = 0
    try:
        while True:
            await asyncio.sleep(0.5)
            for call in server.calls[seen:]:
                if call.method != "getUpdates" or call.result:
                    print(call.describe(server._started_at), flush=True)
            seen = len(server.calls)
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Telegram Bot API server for manual tries")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token))


if __name__ == "__main__":
    main()
