"""What the person sees in the terminal: the bot's messages drawn with Rich.

Telegram HTML becomes styled text (bold, italic, underline, strikethrough, code, spoilers,
links that terminals can open, quotes with a bar), inline buttons become numbered choices,
an edit is drawn again marked as edited, a button's answer is a short line, and photos and
files are named by the path they were saved to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from bot.console.telegram import Event, Message

_STYLES = {
    "b": Style(bold=True),
    "strong": Style(bold=True),
    "i": Style(italic=True),
    "em": Style(italic=True),
    "u": Style(underline=True),
    "ins": Style(underline=True),
    "s": Style(strike=True),
    "strike": Style(strike=True),
    "del": Style(strike=True),
    "code": Style(color="magenta"),
    "pre": Style(color="magenta"),
    "tg-spoiler": Style(reverse=True),
    "blockquote": Style(italic=True),
}
QUOTE_BAR = "▍ "


class _Html(HTMLParser):
    """Telegram HTML to Rich text, a quote as its own indented block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[Text, bool]] = [(Text(), False)]
        self._open: list[tuple[str, Style]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            href = values.get("href") or ""
            style = Style(color="cyan", underline=True, link=href or None)
        elif tag == "span" and values.get("class") == "tg-spoiler":
            style = _STYLES["tg-spoiler"]
        else:
            style = _STYLES.get(tag, Style())
        if tag == "blockquote":
            self.blocks.append((Text(), True))
        self._open.append((tag, style))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index]
                break
        if tag == "blockquote":
            self.blocks.append((Text(), False))

    def handle_data(self, data: str) -> None:
        style = Style.combine(style for _, style in self._open) if self._open else Style()
        self.blocks[-1][0].append(data, style)


def html_text(html: str) -> RenderableType:
    """``html`` (Telegram's subset) for the terminal: text, and quotes indented behind a bar."""
    parser = _Html()
    parser.feed(html)
    parser.close()
    parts: list[RenderableType] = []
    for text, quoted in parser.blocks:
        if parts and (quoted or text.plain.strip("\n")):
            parts.append(Text())
        text.rstrip()
        if quoted:
            lines = Table.grid(padding=(0, 1))
            lines.add_column(style="blue", no_wrap=True)
            lines.add_column()
            lines.add_row(QUOTE_BAR.strip(), text)
            parts.append(lines)
        elif text.plain.strip("\n"):
            parts.append(_trimmed(text))
    return Group(*parts)


def _trimmed(text: Text) -> Text:
    """``text`` without the blank lines that surrounded a quote in the HTML."""
    while text.plain.startswith("\n"):
        text = text[1:]
    text.rstrip()
    return text


def buttons_of(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The inline buttons of ``markup`` in reading order (the person's 1, 2, 3…)."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class Screen:
    """Draws events for the person; knows which chat they are in to label the others."""

    console: Console
    here: int = 0
    names: dict[int, str] = field(default_factory=dict)

    def show(self, event: Event) -> None:
        """Draw one event."""
        if event.kind == "toast":
            mark = "⚠" if event.alert else "ⓘ"
            self.console.print(Text(f"  {mark} {event.text}", Style(color="yellow", italic=True)))
            return
        message = event.message
        assert message is not None
        if event.kind == "deleted":
            self.console.print(Text(f"  (message {message.message_id} deleted)", Style(dim=True)))
            return
        self.console.print(self._panel(message, edited=event.kind == "edited"))
        # Paths on a line of their own, never wrapped, so they can be copied.
        if message.photo is not None:
            self.console.print(f"🖼  photo saved to {message.photo}", soft_wrap=True, style="green")
        if message.document is not None:
            self.console.print(
                f"📄 file saved to {message.document}", soft_wrap=True, style="green"
            )

    def note(self, text: str) -> None:
        """A line from the console itself, not from the bot."""
        self.console.print(Text(text, Style(dim=True)))

    def _panel(self, message: Message, *, edited: bool) -> Panel:
        parts: list[RenderableType] = []
        if message.photo is not None:
            parts.append(Text("🖼  (photo)", Style(color="green")))
        if message.document is not None:
            parts.append(Text(f"📄 {message.document.name}", Style(color="green")))
        if message.html:
            parts.append(html_text(message.html))
        choices = self._choices(message.markup)
        if choices is not None:
            parts.append(choices)
        title = "newsbot"
        if message.chat_id != self.here:
            title += f" → {self.names.get(message.chat_id, message.chat_id)}"
        subtitle = f"#{message.message_id}" + (" · edited" if edited else "")
        return Panel(
            Group(*parts),
            title=title,
            title_align="left",
            subtitle=subtitle,
            subtitle_align="right",
            border_style="yellow" if edited else "green",
        )

    @staticmethod
    def _choices(markup: dict[str, Any] | None) -> Text | None:
        """Inline buttons as numbered choices, a reply keyboard as its labels."""
        if not markup:
            return None
        out = Text()
        number = 0
        for row in markup.get("inline_keyboard", []):
            out.append("\n")
            for button in row:
                number += 1
                out.append(f" {number} ", Style(reverse=True, bold=True))
                label = (
                    Style(color="cyan", underline=True, link=button["url"])
                    if "url" in button
                    else Style()
                )
                out.append(f" {button['text']}  ", label)
        for row in markup.get("keyboard", []):
            out.append("\nkeyboard: ", Style(dim=True))
            out.append("  ".join(f"[{_label(button)}]" for button in row))
        return out if out.plain else None


def _label(button: Any) -> str:
    return str(button["text"]) if isinstance(button, dict) else str(button)
