"""Retention: what ages out of the database, and the prune pass that removes it in small batches.

Each :class:`Rule` names one kind of row, how long it is kept, and the store functions that
count and remove it (``digests/store/prune.py``); :data:`RULES` is the one list to extend when a
new table grows with time. A pass runs every rule batch by batch, each batch its own short
transaction with a pause after it, so the sender's claims and command replies get the database
between batches; on SQLite it then gives the freed pages back to the file system a few at a
time (``PRAGMA incremental_vacuum``).

The running bot prunes once an hour (``digests.scheduler``); with several processes on one
database, :func:`take_turn` lets only one of them prune each hour.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.db import Database
from digests.settings import Settings
from digests.store import prune as prune_store
from digests.store import space, state
from digests.stories import DEFAULT_WINDOW

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)
# Signatures and story keys are read back for the matching window only (digests.ingest); a
# day's margin covers a fetch that started a little earlier.
SIGNATURE_KEEP = DEFAULT_WINDOW + timedelta(days=1)
# Seconds to wait after each batch: the sender and replies take the database meanwhile.
PAUSE = 0.02
# Pages handed back per incremental_vacuum step (4 MB at SQLite's default 4 KB pages).
VACUUM_STEP = 1000


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of row is kept; None keeps it forever."""

    outbox_done: timedelta | None = timedelta(days=7)
    outbox_failed: timedelta | None = timedelta(days=30)
    article_text: timedelta | None = timedelta(days=90)
    history: timedelta | None = timedelta(days=30)
    signatures: timedelta | None = SIGNATURE_KEEP
    batch_rows: int = 500

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        """The policy the settings ask for (0 days keeps forever)."""

        def days(value: int) -> timedelta | None:
            return timedelta(days=value) if value > 0 else None

        return cls(
            outbox_done=days(settings.outbox_retention_days),
            outbox_failed=days(settings.outbox_failed_retention_days),
            article_text=days(settings.article_text_retention_days),
            history=days(settings.history_retention_days),
            batch_rows=settings.prune_batch_rows,
        )


BatchFn = Callable[[AsyncSession, datetime, int, datetime], Awaitable[prune_store.Batch]]
CountFn = Callable[[AsyncSession, datetime], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of row that ages out: a label for reports, its age limit, count and batch."""

    label: str
    keep: Callable[[RetentionPolicy], timedelta | None]
    count: CountFn
    batch: BatchFn


def _bind(
    count: Callable[..., Awaitable[int]],
    batch: Callable[..., Awaitable[prune_store.Batch]],
    **what: object,
) -> tuple[CountFn, BatchFn]:
    """A rule's count and batch from store functions that take ``what`` as keywords."""

    async def counted(session: AsyncSession, before: datetime) -> int:
        return await count(session, before, **what)

    async def batched(
        session: AsyncSession, before: datetime, limit: int, _now: datetime
    ) -> prune_store.Batch:
        return await batch(session, before, limit, **what)

    return counted, batched


def _outbox(statuses: tuple[str, ...]) -> tuple[CountFn, BatchFn]:
    return _bind(prune_store.count_outbox, prune_store.outbox_batch, statuses=statuses)


def _aged(rows: prune_store.AgedRows) -> tuple[CountFn, BatchFn]:
    return _bind(prune_store.count_aged, prune_store.delete_aged, rows=rows)


RULES: tuple[Rule, ...] = (
    Rule("outbox (sent, dropped)", lambda p: p.outbox_done, *_outbox(prune_store.DONE)),
    Rule("outbox (failed)", lambda p: p.outbox_failed, *_outbox(prune_store.FAILED)),
    Rule(
        "article texts and leads",
        lambda p: p.article_text,
        prune_store.count_article_texts,
        prune_store.article_texts_batch,
    ),
    Rule("digest editions", lambda p: p.history, *_aged(prune_store.EDITIONS)),
    Rule("alerts sent", lambda p: p.history, *_aged(prune_store.ALERTS)),
    Rule("broadcasts", lambda p: p.history, *_aged(prune_store.BROADCASTS)),
    Rule("story signatures", lambda p: p.signatures, *_aged(prune_store.SIGNATURES)),
    Rule("story keys", lambda p: p.signatures, *_aged(prune_store.STORY_KEYS)),
    Rule("event profiles", lambda p: p.signatures, *_aged(prune_store.EVENT_PROFILES)),
    Rule("event keys", lambda p: p.signatures, *_aged(prune_store.EVENT_KEYS)),
    Rule("event term counts", lambda p: p.signatures, *_aged(prune_store.EVENT_TERMS)),
)


@dataclass(slots=True)
class PruneReport:
    """What a pass removed (or, for a dry run, would remove), per rule label."""

    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0
    pages_freed: int = 0

    @property
    def total(self) -> int:
        """Rows removed or emptied in all."""
        return sum(self.removed.values())

    def summary(self) -> str:
        """One line for the log."""
        parts = ", ".join(f"{label} {n:,}" for label, n in self.removed.items() if n)
        verb = "would remove" if self.dry_run else "removed"
        return f"{verb} {parts or 'nothing'} in {self.seconds:.1f} s"


async def prune(
    db: Database,
    policy: RetentionPolicy,
    *,
    now: datetime,
    dry_run: bool = False,
    pause: float = PAUSE,
    rules: tuple[Rule, ...] = RULES,
) -> PruneReport:
    """One pass over ``rules``: everything older than its rule's age at ``now`` goes.

    A dry run only counts. Otherwise each batch of at most ``policy.batch_rows`` rows commits
    on its own, then the pass sleeps ``pause`` seconds; an error stops the pass with what was
    committed so far kept (the next pass carries on).
    """
    report = PruneReport(dry_run=dry_run)
    started = time.perf_counter()
    for rule in rules:
        keep = rule.keep(policy)
        if keep is None:
            report.removed[rule.label] = 0
            continue
        before = now - keep
        if dry_run:
            async with db.transaction() as session:
                report.removed[rule.label] = await rule.count(session, before)
            continue
        removed = 0
        more = True
        while more:
            async with db.transaction() as session:
                batch = await rule.batch(session, before, policy.batch_rows, now)
            removed += batch.removed
            more = batch.more
            report.batches += 1
            await asyncio.sleep(pause)
        report.removed[rule.label] = removed
    if not dry_run and report.total and db.dialect == "sqlite":
        report.pages_freed = await vacuum_incrementally(db, pause=pause)
    report.seconds = time.perf_counter() - started
    return report


async def vacuum_incrementally(db: Database, *, pause: float = PAUSE) -> int:
    """Give SQLite's free pages back to the file system (a no-op elsewhere); returns how many."""
    async with db.engine.connect() as connection:
        return await space.incremental_vacuum(connection, step=VACUUM_STEP, pause=pause)


async def take_turn(db: Database, *, now: datetime, every: timedelta = PRUNE_EVERY) -> bool:
    """Whether this process prunes now: True for one process per ``every``, whoever asks."""
    async with db.transaction() as session:
        return await state.claim_turn(session, state.PRUNE_TURN, now, every)


async def scheduled_prune(
    db: Database, policy: RetentionPolicy, *, now: datetime
) -> PruneReport | None:
    """The hourly job: prune if this process got the turn; None when another one has it."""
    if not await take_turn(db, now=now):
        return None
    report = await prune(db, policy, now=now)
    log.info("prune: %s", report.summary())
    return report
