"""What a log line is about (chat, update, outbox row), carried in context variables.

Set where the work starts (an update's handling, one outbox send); every log record written
inside that task then carries the ids, without passing them to each ``log`` call.
"""

from __future__ import annotations

from contextvars import ContextVar

chat_id: ContextVar[int | None] = ContextVar("chat_id", default=None)
update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
outbox_id: ContextVar[int | None] = ContextVar("outbox_id", default=None)

FIELDS = {"chat_id": chat_id, "update_id": update_id, "outbox_id": outbox_id}


def current() -> dict[str, int]:
    """The ids set in this context (only those that are set)."""
    found = {name: var.get() for name, var in FIELDS.items()}
    return {name: value for name, value in found.items() if value is not None}
