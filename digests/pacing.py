"""Telegram's rate limits as arithmetic: when may the next message to a chat go out.

The sender loop asks :meth:`Pacer.earliest` before each send and records each send; the pacer
never sleeps or reads a clock itself (``now`` is monotonic seconds from the caller), so tests
run hours of sending in milliseconds. The limits, from Telegram's Bots FAQ:

* the whole bot: at most ``rate`` messages in any one-second window, from the very first
  second (python-telegram-bot's ``AIORateLimiter`` let 59 through in its first second), and
  spread evenly, one every ``1 / rate`` seconds, rather than in bursts;
* one private chat: one message a second;
* one group, supergroup or channel: 20 messages in any 60-second window;
* a 429 ``retry_after`` pauses every send, not only the chat that drew it;
* paid broadcasts (``allow_paid_broadcast``, an opt-in that costs Stars): up to ``paid_rate``
  (at most 1000) a second. They do not use the free window, which the other messages keep to
  themselves; every message, paid or not, counts in the paid window, so the two together never
  pass ``paid_rate``.

Windows are half-open: a send at ``t`` counts against ``[t, t + 1)``. Callers must pass
non-decreasing times; state a window no longer needs is dropped as time passes, so memory
follows the chats sent to in the last minute, not every chat ever seen.

:class:`TokenBuckets` is the other kind of limit here, for what users send rather than what the
bot sends: ``burst`` at once, then ``per_second``, kept per key (a chat, a member of a group).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Hashable
from dataclasses import dataclass

PRIVATE_INTERVAL = 1.0
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0
_WINDOW = 1.0


class _Window:
    """A bot-wide limit: at most ``rate`` sends in any one-second window, spaced evenly."""

    __slots__ = ("_recent", "_spacing")

    def __init__(self, rate: float) -> None:
        self._spacing = 1.0 / rate
        # The last floor(rate) sends, oldest first.
        self._recent: deque[float] = deque(maxlen=max(1, math.floor(rate)))

    def earliest(self, at: float) -> float:
        if self._recent:
            at = max(at, self._recent[-1] + self._spacing)
            if len(self._recent) == self._recent.maxlen:
                at = max(at, self._recent[0] + _WINDOW)
        return at

    def record(self, at: float) -> None:
        self._recent.append(at)


class Pacer:
    """Sliding-window bookkeeping for the bot-wide, per-chat and per-group limits."""

    def __init__(
        self,
        rate: float,
        *,
        paid_rate: float | None = None,
        private_interval: float = PRIVATE_INTERVAL,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
    ) -> None:
        if rate <= 0 or private_interval < 0 or group_limit < 1 or group_window < 0:
            raise ValueError("rate and group_limit must be positive, intervals not negative")
        if paid_rate is not None and paid_rate < rate:
            raise ValueError("paid_rate must be at least rate")
        self._free = _Window(rate)
        self._paid = _Window(paid_rate) if paid_rate is not None else None
        self._private_interval = private_interval
        self._group_limit = group_limit
        self._group_window = group_window
        self._paused_until = -math.inf
        self._private: dict[int, float] = {}  # chat id -> its last send
        self._groups: dict[int, deque[float]] = {}  # chat id -> its last `group_limit` sends
        # (expires at, chat id), in send order; popping them forgets idle chats in O(1).
        self._private_expiry: deque[tuple[float, int]] = deque()
        self._group_expiry: deque[tuple[float, int]] = deque()

    @property
    def paused_until(self) -> float:
        """The end of the current 429 pause, or -inf when none was ever set."""
        return self._paused_until

    @property
    def tracked_chats(self) -> int:
        """How many chats the pacer still remembers (those sent to within their window)."""
        return len(self._private) + len(self._groups)

    def pause_until(self, until: float) -> None:
        """Hold every send until ``until``, e.g. ``now + retry_after`` after a 429."""
        self._paused_until = max(self._paused_until, until)

    @property
    def pays(self) -> bool:
        """True when paid broadcasts have their own, higher ceiling."""
        return self._paid is not None

    def earliest(self, chat_id: int, group_like: bool, now: float, *, paid: bool = False) -> float:
        """The earliest time, ``now`` or later, at which a message to this chat may go.

        ``paid``: the message is a paid broadcast; it is ignored when no ``paid_rate`` was set.
        """
        self._forget(now)
        at = max(now, self._paused_until)
        if self._paid is not None:
            at = self._paid.earliest(at)
        if not (paid and self._paid is not None):
            at = self._free.earliest(at)
        if group_like:
            sent = self._groups.get(chat_id)
            if sent is not None and len(sent) == self._group_limit:
                at = max(at, sent[0] + self._group_window)
        else:
            last = self._private.get(chat_id)
            if last is not None:
                at = max(at, last + self._private_interval)
        return at

    def try_acquire(
        self, chat_id: int, group_like: bool, now: float, *, paid: bool = False
    ) -> bool:
        """Record a send to this chat at ``now`` and return True, if every limit allows it."""
        if self.earliest(chat_id, group_like, now, paid=paid) > now:
            return False
        self.record(chat_id, group_like, now, paid=paid)
        return True

    def record(self, chat_id: int, group_like: bool, at: float, *, paid: bool = False) -> None:
        """Count a send made at ``at`` (for sends the pacer did not grant itself)."""
        if self._paid is not None:
            self._paid.record(at)
        if not (paid and self._paid is not None):
            self._free.record(at)
        if group_like:
            sent = self._groups.get(chat_id)
            if sent is None:
                sent = self._groups[chat_id] = deque(maxlen=self._group_limit)
            sent.append(at)
            self._group_expiry.append((at + self._group_window, chat_id))
        else:
            self._private[chat_id] = at
            self._private_expiry.append((at + self._private_interval, chat_id))

    def _forget(self, now: float) -> None:
        """Drop chats whose every recorded send is outside its window by ``now``."""
        while self._private_expiry and self._private_expiry[0][0] <= now:
            _, chat_id = self._private_expiry.popleft()
            last = self._private.get(chat_id)
            if last is not None and last + self._private_interval <= now:
                del self._private[chat_id]
        while self._group_expiry and self._group_expiry[0][0] <= now:
            _, chat_id = self._group_expiry.popleft()
            sent = self._groups.get(chat_id)
            if sent is not None and sent[-1] + self._group_window <= now:
                del self._groups[chat_id]


@dataclass(slots=True)
class _Bucket:
    full_at: float  # when the bucket holds ``burst`` again
    refused: bool = False  # a refusal was reported since it was last full


class TokenBuckets:
    """A token bucket per key: up to ``burst`` takes at once, refilled at ``per_second``.

    Kept as GCRA does it: one number per key, the time at which its bucket would be full
    again, plus whether a refusal was already reported since then (so a caller can tell a
    flooder once, not once per refused message).

    Memory is bounded: a key is forgotten once its bucket is full again (at most ``burst /
    per_second`` seconds after its last take, checked from the least recently used end), and
    never more than ``max_keys`` keys are kept: past that the least recently used is
    forgotten, which counts as a full bucket. Measured at about 300 bytes a key (tuple keys), so
    some 15 MB at the default 50,000.
    """

    def __init__(self, per_second: float, burst: int, *, max_keys: int = 50_000) -> None:
        if per_second <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("per_second, burst and max_keys must be positive")
        self._interval = 1.0 / per_second
        self._tolerance = self._interval * (burst - 1)
        self._max_keys = max_keys
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()  # least recent first

    def __len__(self) -> int:
        return len(self._buckets)

    def wait(self, key: Hashable, now: float) -> float:
        """Seconds from ``now`` until ``key`` may take one; 0.0 when it may take one now."""
        self._forget(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        return max(0.0, bucket.full_at - self._tolerance - now)

    def take(self, key: Hashable, now: float) -> None:
        """Take one for ``key`` at ``now``, whether or not :meth:`wait` allowed it."""
        bucket = self._buckets.get(key)
        if bucket is None:
            self._buckets[key] = _Bucket(now + self._interval)
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return
        bucket.full_at = max(now, bucket.full_at) + self._interval
        self._buckets.move_to_end(key)

    def refuse(self, key: Hashable) -> bool:
        """Note a refusal for ``key``: True for the first one since its bucket was full."""
        bucket = self._buckets.get(key)
        if bucket is None or bucket.refused:
            return False
        bucket.refused = True
        return True

    def _forget(self, now: float) -> None:
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if bucket.full_at > now:
                return
            del self._buckets[key]
