"""The sender loop: drains the outbox under Telegram's limits, by lane, surviving a crash.

One :class:`Delivery` per process. It claims due rows in batches (pending → sending), keeps a
small in-memory queue ordered by (lane, not_before, id), starts each send when the shared
:class:`~digests.pacing.Pacer` allows it, caps the sends in flight, and writes what became of
each row in batched transactions. Why it is shaped so:

* Crash safety. A row is written before it is sent and marked after; a process killed in
  between leaves it in ``sending``, claimed in its name (``owner``). One process sends at a
  time (it holds the sender lease, ``digests/leases.py``); when it starts, it puts back the
  rows other owners left in ``sending`` (never its own) and counts them in
  ``stats.possible_duplicates``: Telegram has no idempotency key, so each may arrive twice,
  and no other row can.
* Order. A chat has at most one send in flight or in back-off, so a digest's parts arrive in
  order; rows a chat's limit holds for long are put back in the database with ``not_before``.
* Replies stay instant but count: handlers call :meth:`Delivery.acquire_direct` before they
  send, which takes the next slot of the same pacer ahead of queued rows.
* Telegram counts a message when it arrives, and arrival times jitter by milliseconds, so a
  sender that filled each one-second window exactly would show one message too many in some
  window at the far end. The pacer therefore runs on a clock slowed by ``arrival_margin`` (4%:
  25 msg/s becomes at most 25 in any 1.04 s, 24 msg/s sustained). 2% absorbed only ~20 ms of
  jitter: the fault-injection suite saw 26 in one second in 1 run of 3 on a quiet machine,
  after a sender takeover.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import html
import logging
import random
import re
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from digests import logcontext
from digests.db import Database
from digests.pacing import Pacer
from digests.ports import OutgoingMessage, Sender, SendOutcome, SendStatus
from digests.render import Renderer
from digests.settings import Settings
from digests.store import chat_language, chat_moves, chats, state, threads
from digests.store import outbox as store
from digests.store.outbox import Lane, Mark, OutboxDraft, QueuedMessage, Status
from digests.telemetry import NO_TELEMETRY, Telemetry
from digests.timeutil import utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], float]
WallClock = Callable[[], datetime]

# How long a row is worth sending after it was due, by lane; transient failures are retried
# until then. The runner sets digests to CATCH_UP_HOURS and broadcasts to BROADCAST_TTL.
DEFAULT_LIFETIMES = {
    Lane.REPLY: timedelta(hours=1),
    Lane.BROADCAST: timedelta(hours=24),
    # An alert is left out of the digest, so it is worth sending as long as a digest is.
    Lane.ALERT: timedelta(hours=6),
    Lane.DIGEST: timedelta(hours=6),
}


def lifetimes(*, catch_up_hours: float, broadcast_hours: float) -> dict[Lane, timedelta]:
    """Row lifetimes from the settings: a digest until CATCH_UP_HOURS after its slot (a later
    one would be a catch-up digest anyway), a broadcast for BROADCAST_TTL hours."""
    return {
        **DEFAULT_LIFETIMES,
        Lane.DIGEST: timedelta(hours=catch_up_hours),
        Lane.ALERT: timedelta(hours=catch_up_hours),
        Lane.BROADCAST: timedelta(hours=broadcast_hours),
    }


# Rows due later than this were held on purpose (quiet hours); the sender itself never holds
# a row longer than its retry cap (300 s) or a chat's limit (a minute).
DEFERRED = timedelta(minutes=15)

# Telegram never gives a chat the id 0; asking the pacer about it gives the bot-wide limits.
_NOBODY = 0
_SCAN_LIMIT = 256
_CATCH_UP = 0.010  # seconds a woken send may be recorded in the past; see Delivery._stamp
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"""<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>""", re.I | re.S)


def is_group_like(chat_id: int) -> bool:
    """Telegram gives users positive ids and groups, supergroups and channels negative ones."""
    return chat_id < 0


def plain_text(markup: str) -> str:
    """Telegram HTML as plain text: tags dropped, links kept as "label (url)", entities read."""

    def link(match: re.Match[str]) -> str:
        url, label = html.unescape(match.group(1)), match.group(2)
        label_text = html.unescape(_TAG.sub("", label))
        return label_text if url in ("", label_text) else f"{label_text} ({url})"

    return html.unescape(_TAG.sub("", _LINK.sub(link, markup))).strip() or "…"


def batch_for(rate: float) -> int:
    """How many rows to claim at a time: about a second of sending, within [32, 1000]."""
    return max(32, min(1000, int(rate)))


def flush_interval_for(rate: float) -> float:
    """How long a send's result may wait to be written: ``rate / 10,000`` s within [0.01, 0.1].

    A send that went out but is not yet written down is sent again if the process is killed,
    so the wait is the duplicate window: at free rates (≤ 100/s) about one send; at the paid
    ceiling ten flushes a second, since a transaction per hundredth of a second cost 7-10% of
    the 1000/s throughput (bench/sender.py --ceiling).
    """
    return min(0.1, max(0.01, rate / 10_000))


@dataclass
class DeliveryStats:
    """Counts since the sender started, for logs, the CLI and tests."""

    sent: int = 0
    failed: int = 0
    dropped: int = 0
    retried: int = 0
    flood_waits: int = 0
    as_plain_text: int = 0
    migrated: int = 0
    possible_duplicates: int = 0
    outages: int = 0  # times the Bot API looked unreachable and sending paused


@dataclass(slots=True)
class _Job:
    """A claimed row in memory, with what this process learnt while sending it."""

    message: QueuedMessage
    attempts: int
    plain: bool = False
    ready_at: float = 0.0  # monotonic; later than now while in back-off
    unthreaded: bool = False  # its forum thread is gone: sent to General instead

    @property
    def thread_id(self) -> int | None:
        return None if self.unthreaded else self.message.thread_id

    @property
    def chat_id(self) -> int:
        return self.message.chat_id

    @property
    def order(self) -> tuple[int, datetime, int]:
        m = self.message
        return (int(m.lane), m.not_before, m.id)


@dataclass
class _Writes:
    """Database work gathered between flushes, written in one transaction."""

    marks: list[Mark] = field(default_factory=list)
    holds: dict[int, datetime] = field(default_factory=dict)  # chat id -> not before
    gone: dict[int, str] = field(default_factory=dict)  # chat id -> why
    moves: list[tuple[int, int]] = field(default_factory=list)
    flood_until: datetime | None = None
    possible_duplicates: int = 0  # sends whose answer never came
    # (chat id, thread id, row id) of forum threads Telegram says are deleted or closed
    threads_gone: list[tuple[int, int, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.marks
            or self.holds
            or self.gone
            or self.moves
            or self.threads_gone
            or self.flood_until
            or self.possible_duplicates
        )


class Delivery:
    """Drains the outbox through a :class:`~digests.ports.Sender`; see the module docstring."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        pacer: Pacer,
        *,
        clock: Clock = time.monotonic,
        wall: WallClock = utcnow,
        batch: int = 100,
        max_in_flight: int = 32,
        lifetimes: Mapping[Lane, timedelta] | None = None,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        outage_after: int = 3,
        probe_cap: float = 30.0,
        poll_interval: float = 1.0,
        flush_interval: float = 0.1,
        hold_limit: float = 2.0,
        arrival_margin: float = 0.04,
        owner: str | None = None,
        rng: random.Random | None = None,
        telemetry: Telemetry = NO_TELEMETRY,
        renderer: Renderer | None = None,
    ) -> None:
        self._db = db
        self._renderer = renderer  # for the note a chat gets when its thread is gone
        self._telemetry = telemetry
        self._sender = sender
        self._pacer = pacer
        self._clock = clock
        self._wall = wall
        self._batch = max(1, batch)
        self._low_water = max(1, self._batch // 2)
        self._max_in_flight = max(1, max_in_flight)
        self._lifetimes = {**DEFAULT_LIFETIMES, **(lifetimes or {})}
        self._outage_after = max(1, outage_after)
        self._probe_cap = probe_cap
        self._failures_in_a_row = 0  # transient failures with no success between them
        self._probe_delay = 0.0  # > 0 while the Bot API looks unreachable (an outage)
        self._probe_at = 0.0  # monotonic: when the next probe send may start
        self._probing = False
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._poll_interval = poll_interval
        self._flush_interval = flush_interval
        self._hold_limit = hold_limit
        self._dilation = 1.0 + max(0.0, arrival_margin)
        self._owner = owner
        self._rng = rng or random.Random()
        self.stats = DeliveryStats()

        self._queue: list[_Job] = []
        self._busy: dict[int, int] = {}  # chat id -> the id of the row that holds it
        self._in_flight: set[asyncio.Task[None]] = set()
        self._writes = _Writes()
        self._first_write_at: float | None = None
        self._direct: dict[object, float] = {}  # waiting direct sends -> when they may go
        self._wake = asyncio.Event()
        self._notified = True
        self._next_poll = 0.0
        self._claim_task: asyncio.Task[None] | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._last_claim_full = False
        self._last_claim_empty = False
        self._flushes = 0
        self._claim_saw_flush = -1
        self._nothing_pending = False
        self._started = False
        self._planned: tuple[int, float, int] | None = None  # row, slot, records then
        self._records = 0

    @classmethod
    def from_settings(
        cls,
        db: Database,
        sender: Sender,
        settings: Settings,
        *,
        owner: str | None,
        telemetry: Telemetry = NO_TELEMETRY,
    ) -> Delivery:
        """The sender a process runs: SEND_RATE (and PAID_BROADCAST_RATE for broadcasts when
        PAID_BROADCASTS is on), batches of about a second, row lifetimes."""
        paid_rate = settings.paid_broadcast_rate if settings.paid_broadcasts else None
        top_rate = max(settings.send_rate, paid_rate or 0.0)
        return cls(
            db,
            sender,
            Pacer(settings.send_rate, paid_rate=paid_rate),
            batch=batch_for(top_rate),
            flush_interval=flush_interval_for(top_rate),
            lifetimes=lifetimes(
                catch_up_hours=settings.catch_up_hours, broadcast_hours=settings.broadcast_ttl
            ),
            owner=owner,
            telemetry=telemetry,
        )

    # -- public ---------------------------------------------------------------------------------

    async def recover(self) -> int:
        """Put back rows a dead sender left in flight; return how many (possible duplicates).

        Done once, before the first send; ``run`` and ``drain_once`` call it if nobody did.
        """
        if not self._started:
            await self._recover()
            self._started = True
        return self.stats.possible_duplicates

    def notify(self) -> None:
        """Say rows were queued: the sender claims at once instead of at its next poll."""
        self._notified = True
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set; then finish sends in flight and put the rest back."""

        async def wake_on_stop() -> None:
            await stop.wait()
            self._wake.set()

        waiter = asyncio.create_task(wake_on_stop())
        try:
            await self._serve(stop, until_idle=False)
        finally:
            waiter.cancel()

    async def drain_once(self, stop: asyncio.Event | None = None) -> DeliveryStats:
        """Send until no row is pending (retries and rate limits waited out) or ``stop`` is set;
        return the stats."""
        await self._serve(stop or asyncio.Event(), until_idle=True)
        return self.stats

    async def acquire_direct(self, chat_id: int, group_like: bool | None = None) -> None:
        """Wait for a slot for a message sent outside the outbox (a reply), and take it.

        The slot comes from the same pacer, ahead of every queued row, so replies and queued
        messages together never exceed the limits. Usually returns at once.
        """
        group = is_group_like(chat_id) if group_like is None else group_like
        token = object()
        try:
            while True:
                now = self._pace_now()
                at = self._pacer.earliest(chat_id, group, now)
                if at <= now:
                    self._pacer.record(chat_id, group, now)
                    self._records += 1
                    return
                self._direct[token] = at
                await asyncio.sleep((at - now) * self._dilation)
        finally:
            self._direct.pop(token, None)

    # -- the loop -------------------------------------------------------------------------------

    def _pace_now(self) -> float:
        return self._clock() / self._dilation

    async def _serve(self, stop: asyncio.Event, *, until_idle: bool) -> None:
        await self.recover()
        self._notified = True
        try:
            while not stop.is_set():
                self._wake.clear()
                self._start_claim()
                self._start_flush(force=False)
                if until_idle and self._idle():
                    break
                timeout = self._dispatch()
                if timeout is None:
                    continue
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
        finally:
            await self._shutdown()

    def _dispatch(self) -> float | None:
        """Start every send that may go now; return how long to wait, or None to loop again.

        During an outage only one send (the probe) is in flight, after the probe delay.
        """
        wait = self._until_housekeeping()
        while len(self._in_flight) < self._max_in_flight:
            if self._probe_delay:
                if self._probing or self._in_flight:
                    return wait
                if self._clock() < self._probe_at:
                    return min(wait, self._probe_at - self._clock())
            now = self._pace_now()
            if any(at <= now for at in self._direct.values()):
                return 0.001  # a reply is due: let it take this slot
            job, at = self._pick(now)
            if job is None:
                return wait
            if at > now:
                self._planned = (job.message.id, at, self._records)
                return min(wait, (at - now) * self._dilation)
            self._queue.remove(job)
            paid = self._paid(job)
            self._pacer.record(
                job.chat_id, is_group_like(job.chat_id), self._stamp(job, now), paid=paid
            )
            self._records += 1
            self._busy[job.chat_id] = job.message.id
            self._probing = bool(self._probe_delay)
            task = asyncio.create_task(self._send(job))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return wait

    def _stamp(self, job: _Job, now: float) -> float:
        """The time to record a send at: the slot we slept until, if we woke a little late.

        Timers fire a millisecond or two late; recording the late time would push every later
        slot back by as much (measured: 94% of the rate instead of 98%). The slot is exact when
        nothing was recorded while we slept and it is the same row.
        """
        planned, self._planned = self._planned, None
        if planned is None:
            return now
        row_id, at, records = planned
        if row_id == job.message.id and records == self._records and now - at <= _CATCH_UP:
            return at
        return now

    def _until_housekeeping(self) -> float:
        now = self._clock()
        wait = max(0.0, self._next_poll - now)
        if self._first_write_at is not None:
            wait = min(wait, max(0.0, self._first_write_at + self._flush_interval - now))
        return max(wait, 0.001)

    def _paid(self, job: _Job) -> bool:
        """A broadcast sent as a paid broadcast (PAID_BROADCASTS: its own, higher ceiling)."""
        return self._pacer.pays and job.message.lane == Lane.BROADCAST

    def _pick(self, now: float) -> tuple[_Job | None, float]:
        """The first queued row that may go soonest, holding back rows their chat delays long."""
        free_at = self._pacer.earliest(_NOBODY, False, now)
        paid_at = self._pacer.earliest(_NOBODY, False, now, paid=True)
        soonest = min(free_at, paid_at)  # no row of any lane can go before it
        best: _Job | None = None
        best_at = float("inf")
        held: list[tuple[_Job, float]] = []
        for scanned, job in enumerate(self._queue):
            if scanned >= _SCAN_LIMIT:
                break
            owner = self._busy.get(job.chat_id)
            if owner is not None and owner != job.message.id:
                continue
            paid = self._paid(job)
            group_like = is_group_like(job.chat_id)
            at = max(
                self._pacer.earliest(job.chat_id, group_like, now, paid=paid),
                paid_at if paid else free_at,
            )
            at = max(at, job.ready_at / self._dilation)
            if at <= soonest:
                best, best_at = job, at
                break
            if (at - now) * self._dilation > self._hold_limit and owner is None:
                held.append((job, at))
            elif at < best_at:
                best, best_at = job, at
        for job, at in held:
            self._queue.remove(job)
            self._put_back(job, delay=(at - now) * self._dilation)
        return best, best_at

    def _put_back(
        self, job: _Job, *, delay: float, outcome: str = "held by its chat's limit"
    ) -> None:
        """Return a row (already out of the queue) to the database, due in ``delay`` seconds.

        The chat's other pending rows are held as long, so they cannot overtake it.
        """
        until = self._wall() + timedelta(seconds=max(0.0, delay))
        self._write(Mark(job.message.id, Status.PENDING, job.attempts, outcome, until))
        previous = self._writes.holds.get(job.chat_id)
        self._writes.holds[job.chat_id] = until if previous is None else max(previous, until)

    # -- one send -------------------------------------------------------------------------------

    async def _send(self, job: _Job) -> None:
        m = job.message
        # Each send runs in its own task: log lines written while sending carry these ids.
        logcontext.outbox_id.set(m.id)
        logcontext.chat_id.set(m.chat_id)
        text = plain_text(m.text) if job.plain else m.text
        message = OutgoingMessage(
            m.chat_id,
            text,
            html=m.html and not job.plain,
            disable_preview=m.disable_preview,
            thread_id=job.thread_id,
            silent=m.silent,
            buttons=m.buttons,
            paid=self._paid(job),
        )
        started = time.monotonic()
        try:
            outcome = await self._sender.send(message)
        except Exception as exc:  # the Sender promises not to raise; a bug must not stop us
            log.exception("sender raised for outbox row %d", m.id)
            outcome = SendOutcome(SendStatus.TRANSIENT, detail=f"sender raised {exc!r}")
        lane = Lane(m.lane).name.lower()
        self._telemetry.sent(lane, outcome.status.value, time.monotonic() - started)
        try:
            self._probing = False
            self._track_outage(outcome)
            self._settle(job, outcome)
        finally:
            self._wake.set()

    def _track_outage(self, outcome: SendOutcome) -> None:
        """Pause every send when the Bot API looks unreachable, and probe it with one send.

        ``outage_after`` transient failures in a row (network errors, timeouts, 5xx) start an
        outage: rows stop spending their retries, and one send at a time probes, 1 s after
        the last failure, doubling to ``probe_cap``. Any answer from Telegram ends it.
        """
        if outcome.maybe_delivered:
            self.stats.possible_duplicates += 1
            self._writes.possible_duplicates += 1
            self._telemetry.possible_duplicates(1)
            log.warning("%s; it may have arrived and is sent again", outcome.detail)
        if outcome.status is not SendStatus.TRANSIENT:
            if self._probe_delay:
                log.warning("the Bot API answers again; sending resumes")
            self._failures_in_a_row, self._probe_delay = 0, 0.0
            return
        self._failures_in_a_row += 1
        if self._failures_in_a_row < self._outage_after:
            return
        if not self._probe_delay:
            log.warning(
                "the Bot API looks unreachable (%s); every send pauses, probing with one",
                outcome.detail,
            )
            self.stats.outages += 1
        self._probe_delay = min(self._probe_cap, max(1.0, self._probe_delay * 2))
        self._probe_at = self._clock() + self._probe_delay

    def _settle(self, job: _Job, outcome: SendOutcome) -> None:
        """Decide what becomes of a row after one send; see SendStatus for the cases."""
        m, chat_id, status = job.message, job.chat_id, outcome.status
        now = self._wall()
        if status is SendStatus.RETRY_AFTER:
            wait = max(1.0, outcome.retry_after or 1.0)
            self.stats.flood_waits += 1
            self._telemetry.paused(wait)
            log.warning("Telegram asked us to wait %.0f s (flood control); every send waits", wait)
            self._pacer.pause_until(self._pace_now() + wait / self._dilation)
            until = now + timedelta(seconds=wait)
            self._writes.flood_until = max(until, self._writes.flood_until or until)
            self._mark_dirty()
            self._release_chat(chat_id, m.id)
            self._requeue(job)
            return
        job.attempts += 1
        if status is SendStatus.SENT:
            self._release_chat(chat_id, m.id)
            self.stats.sent += 1
            note = "sent as plain text" if job.plain else "sent"
            if job.unthreaded:
                note += " to General (its thread is gone)"
            self._write(
                Mark(m.id, Status.SENT, job.attempts, note, m.not_before, now, outcome.message_id)
            )
        elif status is SendStatus.TRANSIENT and now < self._deadline(m):
            self.stats.retried += 1
            if self._probe_delay:  # an outage: the row waits for the probe, not its back-off
                self._release_chat(chat_id, m.id)
                self._requeue(job)
                return
            delay = min(self._retry_cap, self._retry_base * 2 ** min(job.attempts - 1, 20))
            delay *= 0.5 + self._rng.random() / 2
            delay = min(delay, max(0.0, (self._deadline(m) - now).total_seconds()))
            log.info("retrying outbox row %d in %.1f s: %s", m.id, delay, outcome.detail)
            if delay <= self._hold_limit:
                job.ready_at = self._clock() + delay  # keeps its chat: order holds
                self._requeue(job)
            else:
                self._release_chat(chat_id, m.id)
                self._put_back(job, delay=delay, outcome=outcome.detail)
        elif status is SendStatus.BAD_HTML and not job.plain:
            log.warning(
                "outbox row %d: Telegram refused its HTML (%s); sending plain text",
                m.id,
                outcome.detail,
            )
            self.stats.as_plain_text += 1
            job.plain = True
            self._release_chat(chat_id, m.id)
            self._requeue(job)
        elif status is SendStatus.THREAD_GONE and job.thread_id is not None:
            self._thread_gone(job, job.thread_id, outcome.detail)
        elif status is SendStatus.CHAT_GONE:
            self._chat_gone(job, outcome.detail or "chat gone", now)
        elif status is SendStatus.MIGRATED and outcome.new_chat_id is not None:
            self._migrated(job, outcome.new_chat_id, now)
        else:
            self._release_chat(chat_id, m.id)
            self.stats.failed += 1
            log.warning("outbox row %d to chat %d failed: %s", m.id, chat_id, outcome.detail)
            self._write(
                Mark(
                    m.id, Status.FAILED, job.attempts, outcome.detail or status.value, m.not_before
                )
            )

    def _deadline(self, message: QueuedMessage) -> datetime:
        """When a row stops being worth sending: its lane's lifetime after it was due."""
        return message.due_from + self._lifetimes[message.lane]

    def _thread_gone(self, job: _Job, thread_id: int, detail: str) -> None:
        """Send the row, and the chat's other rows for that thread, to General instead.

        The flush clears the chat's routing to the thread and queues one note for its
        admins, so the next messages do not try the thread again.
        """
        chat_id = job.chat_id
        log.warning(
            "chat %d: forum thread %d is gone or closed (%s); sending to General",
            chat_id,
            thread_id,
            detail,
        )
        for j in [job, *self._queue]:
            if j.chat_id == chat_id and j.thread_id == thread_id:
                j.unthreaded = True
        job.attempts -= 1  # the thread's refusal is not the row's failure
        self._writes.threads_gone.append((chat_id, thread_id, job.message.id))
        self._mark_dirty()
        self._release_chat(chat_id, job.message.id)
        self._requeue(job)

    async def _unthread(
        self, session: AsyncSession, gone: list[tuple[int, int, int]], now: datetime
    ) -> None:
        """Clear the routing to threads that are gone; queue each chat one note in General."""
        notes: list[OutboxDraft] = []
        for chat_id, thread_id, row_id in gone:
            await store.unthread_chat(session, chat_id, thread_id)
            if not await threads.clear_thread(session, chat_id, thread_id, now):
                continue  # routing cleared already (another row found it first)
            if self._renderer is None:
                self._renderer = Renderer()
            lang = await chat_language.get_language(session, chat_id) or "en"
            text = self._renderer.render("thread_gone", lang=lang)
            notes.append(
                OutboxDraft(
                    f"thread-gone:{chat_id}:{thread_id}:{row_id}", chat_id, Lane.REPLY, text
                )
            )
        if notes:
            await store.enqueue(session, notes, now)
            self._notified = True

    def _chat_gone(self, job: _Job, reason: str, now: datetime) -> None:
        chat_id = job.chat_id
        log.info("chat %d is gone (%s): marked inactive, its messages dropped", chat_id, reason)
        self._release_chat(chat_id, job.message.id)
        self._writes.gone[chat_id] = reason
        others = [j for j in self._queue if j.chat_id == chat_id]
        for j in [job, *others]:
            if j is not job:
                self._queue.remove(j)
            self.stats.dropped += 1
            self._write(
                Mark(j.message.id, Status.DROPPED, j.attempts, reason, j.message.not_before)
            )

    def _migrated(self, job: _Job, new_chat_id: int, now: datetime) -> None:
        old = job.chat_id
        log.info("chat %d became supergroup %d: moving it and resending", old, new_chat_id)
        self.stats.migrated += 1
        self._release_chat(old, job.message.id)
        self._writes.moves.append((old, new_chat_id))
        others = [j for j in self._queue if j.chat_id == old]
        for j in [job, *others]:
            if j is not job:
                self._queue.remove(j)
            note = f"moved to chat {new_chat_id}"
            self._write(Mark(j.message.id, Status.PENDING, j.attempts, note, j.message.not_before))

    def _release_chat(self, chat_id: int, row_id: int) -> None:
        if self._busy.get(chat_id) == row_id:
            del self._busy[chat_id]

    def _requeue(self, job: _Job) -> None:
        bisect.insort(self._queue, job, key=lambda j: j.order)

    # -- database work --------------------------------------------------------------------------

    def _write(self, mark: Mark) -> None:
        self._writes.marks.append(mark)
        self._mark_dirty()

    def _mark_dirty(self) -> None:
        if self._first_write_at is None:
            self._first_write_at = self._clock()

    async def _recover(self) -> None:
        """Put back rows a dead sender left in flight, and honour a persisted flood wait."""
        now = self._wall()
        async with self._db.transaction() as session:
            released = await store.release_in_flight(session, keep_owner=self._owner)
            if released:
                await state.add_to_count(session, state.POSSIBLE_DUPLICATES, released, now)
            flood_until = await state.get_instant(session, state.FLOOD_WAIT_UNTIL)
        self.stats.possible_duplicates += released
        self._telemetry.possible_duplicates(released)
        if released:
            log.warning(
                "%d messages were in flight when the last sender stopped; they are sent again "
                "and each may arrive twice (possible duplicates: %d)",
                released,
                released,
            )
        if flood_until is not None and flood_until > now:
            wait = (flood_until - now).total_seconds()
            log.warning("honouring Telegram's flood wait from before the restart: %.0f s", wait)
            self._pacer.pause_until(self._pace_now() + wait / self._dilation)

    def _start_claim(self) -> None:
        if self._claim_task is not None:
            return
        now = self._clock()
        due = self._notified or now >= self._next_poll
        below: int | None = None
        if len(self._queue) < self._low_water:
            if not (due or self._last_claim_full):
                return
            limit = self._batch - len(self._queue)
        elif due and self._queue:
            worst = max(int(j.message.lane) for j in self._queue)
            if worst == 0:
                self._next_poll = now + self._poll_interval
                self._notified = False
                return
            below, limit = worst, self._batch
        else:
            return
        self._notified = False
        self._next_poll = now + self._poll_interval
        self._claim_task = self._background(self._claim(limit, below), "claim")

    async def _claim(self, limit: int, below: int | None) -> None:
        flushes = self._flushes
        try:
            async with self._db.transaction() as session:
                claimed = await store.claim(
                    session, self._wall(), limit, below_lane=below, owner=self._owner
                )
                nothing = not claimed and below is None and await self._none_soon(session)
        finally:
            self._claim_task = None
        for message in claimed:
            self._requeue(_Job(message, message.attempts))
        self._last_claim_full = len(claimed) >= limit
        self._last_claim_empty = not claimed and below is None
        self._nothing_pending = nothing
        self._claim_saw_flush = flushes

    async def _none_soon(self, session: AsyncSession) -> bool:
        """Whether no pending row becomes due within ``DEFERRED``: later ones were held on
        purpose (a chat's quiet hours) and ``drain_once`` does not wait for them."""
        upcoming = await store.next_pending_at(session)
        return upcoming is None or upcoming > self._wall() + DEFERRED

    def _start_flush(self, *, force: bool) -> None:
        if self._flush_task is not None or not self._writes:
            return
        due = self._first_write_at is not None and (
            self._clock() - self._first_write_at >= self._flush_interval
        )
        if not (force or due or len(self._writes.marks) >= self._batch):
            return
        writes, self._writes, self._first_write_at = self._writes, _Writes(), None
        self._flush_task = self._background(self._flush(writes), "flush")

    async def _flush(self, writes: _Writes) -> None:
        now = self._wall()
        try:
            async with self._db.transaction() as session:
                for old, new in writes.moves:
                    await chat_moves.move_chat(session, old, new, now)
                await store.record(session, writes.marks, owner=self._owner)
                if writes.threads_gone:
                    await self._unthread(session, writes.threads_gone, now)
                for chat_id, until in writes.holds.items():
                    await store.defer_chat(session, chat_id, until)
                for chat_id, reason in writes.gone.items():
                    await chats.set_inactive(session, chat_id, reason, now)
                    self.stats.dropped += await store.drop_chat(session, chat_id, reason)
                if writes.flood_until is not None:
                    await state.set_instant(
                        session, state.FLOOD_WAIT_UNTIL, writes.flood_until, now
                    )
                if writes.possible_duplicates:
                    await state.add_to_count(
                        session, state.POSSIBLE_DUPLICATES, writes.possible_duplicates, now
                    )
        except Exception:
            log.exception("could not record %d outbox results; retrying", len(writes.marks))
            self._writes.marks[:0] = writes.marks
            for chat_id, until in writes.holds.items():
                self._writes.holds.setdefault(chat_id, until)
            self._writes.gone.update(writes.gone)
            self._writes.moves[:0] = writes.moves
            self._writes.threads_gone[:0] = writes.threads_gone
            self._writes.flood_until = self._writes.flood_until or writes.flood_until
            self._writes.possible_duplicates += writes.possible_duplicates
            self._mark_dirty()
            raise
        finally:
            self._flush_task = None
        self._flushes += 1
        if any(m.status is Status.PENDING and m.not_before <= now for m in writes.marks):
            self._notified = True  # rows put back for now (a moved chat): claim them again

    def _background(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(work, name=f"delivery-{name}")

        def done(finished: asyncio.Task[None]) -> None:
            if not finished.cancelled() and finished.exception() is not None:
                log.error("delivery %s failed", name, exc_info=finished.exception())
            self._wake.set()

        task.add_done_callback(done)
        return task

    def _idle(self) -> bool:
        """Nothing queued, in flight or unwritten, and the last claim found nothing pending."""
        if self._queue or self._in_flight or self._writes:
            return False
        if self._claim_task is not None or self._flush_task is not None:
            return False
        if self._claim_saw_flush != self._flushes or not self._last_claim_empty:
            self.notify()  # look once more, after the last write
            return False
        return self._nothing_pending

    async def _shutdown(self) -> None:
        """Let sends in flight finish, put queued rows back, and write everything down."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=30)
        if self._claim_task is not None:
            with contextlib.suppress(Exception):
                await self._claim_task
        for job in list(self._queue):
            self._queue.remove(job)
            self._release_chat(job.chat_id, job.message.id)
            self._write(
                Mark(
                    job.message.id,
                    Status.PENDING,
                    job.attempts,
                    "put back at stop",
                    job.message.not_before,
                )
            )
        for _ in range(3):  # a failed flush puts its writes back; try again a little
            if self._flush_task is not None:
                with contextlib.suppress(Exception):
                    await self._flush_task
            if not self._writes:
                break
            self._start_flush(force=True)
        self._started = False  # the next run (this process took the role again) recovers first
