"""Instant alerts: a chat's keyword topic switched to "alert" gets its new stories at once.

Ingest calls :meth:`Alerts.queue` in the transaction that stores new articles, after they got
their story and their topic matches. A match with an alert topic becomes an outbox message in
the alert lane (after replies and broadcasts, before digests) when

* the story is newly seen: first seen after the chat's last digest and within the last day, so
  a late copy of a story the chat may have had in a digest is not sent again;
* the chat was not sent the story as an alert before (``alerts`` keys on chat and story, as
  does the outbox key), in any process;
* the chat was sent fewer than ``per_hour`` alerts in the last hour; the rest wait for the
  digest, which holds them as usual;
* the article is in one of the chat's news languages and not from a source it muted.

A story sent as an alert is left out of the chat's next digest (``digests.editions``).
Quiet hours: :func:`held_until` is the one place that decides when an alert may go.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from digests.assembly import one_line_lead
from digests.db import Database
from digests.editions import ItemView
from digests.errors import NotFound
from digests.i18n import N_, supported_language
from digests.quiet import QuietHours, quiet_until
from digests.render import Renderer, localized_age, safe_link
from digests.store import alerts as store
from digests.store.outbox import Lane, OutboxDraft, enqueue

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
# How recently a story must have been first seen to count as new for an alert.
FRESH = timedelta(hours=24)


def held_until(match: store.AlertMatch, now: datetime) -> datetime | None:
    """When an alert for ``match`` may be sent: None for at once; inside the chat's quiet
    hours (``digests.quiet``), when they end."""
    quiet = QuietHours.from_columns(match.quiet_start, match.quiet_end)
    return quiet_until(quiet, match.timezone, now)


class Alerts:
    """Queues alerts for new articles; built once per process with the renderer it uses."""

    def __init__(self, renderer: Renderer, *, per_hour: int) -> None:
        self._renderer = renderer
        self._per_hour = per_hour

    async def queue(self, session: AsyncSession, article_ids: Sequence[int], now: datetime) -> int:
        """Queue the alerts owed for these newly stored articles; returns messages queued."""
        if not article_ids or self._per_hour <= 0:
            return 0
        matches = [m for m in await store.new_matches(session, article_ids) if _wanted(m, now)]
        if not matches:
            return 0
        chats = {m.chat_id for m in matches}
        await store.lock_chats(session, chats)
        sent = await store.sent_since(session, chats, now - HOUR)
        chosen: list[store.AlertMatch] = []
        taken: set[tuple[int, int]] = set()
        for match in matches:  # by article id: the first seen go first
            if (match.chat_id, match.story_id) in taken:
                continue  # two copies of one story, or one article under two alert topics
            if sent.get(match.chat_id, 0) >= self._per_hour:
                continue  # over the hourly cap: it waits for the digest
            taken.add((match.chat_id, match.story_id))
            sent[match.chat_id] = sent.get(match.chat_id, 0) + 1
            chosen.append(match)
        rows = [store.AlertRow(m.chat_id, m.story_id, m.article_id, m.topic_id) for m in chosen]
        recorded = await store.record(session, rows, now)
        drafts = [self._draft(chosen[i], now) for i in sorted(recorded)]
        added = await enqueue(session, drafts, now)
        if added:
            log.info("alerts: %d queued for %d chats", added, len({d.chat_id for d in drafts}))
        return added

    def _draft(self, match: store.AlertMatch, now: datetime) -> OutboxDraft:
        lang = supported_language(match.chat_language)
        title = " ".join(match.title.split()) or "(untitled)"
        item = ItemView(
            title=title,
            url=safe_link(match.url),
            source=match.source_name,
            age=localized_age(match.sort_at, now, lang),
            lead=one_line_lead(match.lead, match.summary, title),
            matched=match.matched,
        )
        text = self._renderer.render("alert", lang=lang, topic=match.topic_name, item=item)
        held = held_until(match, now)
        return OutboxDraft(
            key=f"alert:{match.chat_id}:{match.story_id}",
            chat_id=match.chat_id,
            lane=Lane.ALERT,
            text=text,
            due_at=held or now,
            not_before=held,
            thread_id=match.thread_id,
        )


def _wanted(match: store.AlertMatch, now: datetime) -> bool:
    """Newly seen (not in a digest yet, first seen within a day), in a language it reads."""
    first_seen = match.story_first_seen_at
    if first_seen <= now - FRESH:
        return False
    if match.last_digest_at is not None and first_seen <= match.last_digest_at:
        return False
    languages = match.chat_languages
    return not languages or match.article_language is None or match.article_language in languages


async def set_topic_alert(db: Database, chat_id: int, topic_id: int, on: bool) -> None:
    """Switch the chat's keyword topic ``topic_id`` to an alert (or back).

    Raises NotFound when the chat owns no such topic (removed since, or a forged id).
    """
    async with db.transaction() as session:
        if not await store.set_alert(session, chat_id, topic_id, on):
            raise NotFound(N_("That keyword topic is gone; see /following."))
