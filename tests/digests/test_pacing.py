"""The pacer on a simulated clock: Telegram's limits hold, and sending is no slower than that."""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections import defaultdict
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digests.pacing import Pacer, TokenBuckets


def send(pacer: Pacer, chat_id: int, group_like: bool, clock: float) -> float:
    """Send as soon as the pacer allows, from ``clock`` on; return when the send happened."""
    at = pacer.earliest(chat_id, group_like, clock)
    assert pacer.try_acquire(chat_id, group_like, at)
    return at


def most_in_any_window(times: list[float], width: float) -> int:
    """The most sends inside any half-open window [t, t + width)."""
    ordered = sorted(times)
    return max(
        (bisect_left(ordered, t + width) - i for i, t in enumerate(ordered)),
        default=0,
    )


def test_ten_thousand_messages_at_25_per_second_take_400_seconds() -> None:
    pacer = Pacer(25)
    clock, times = 0.0, []
    for n in range(10_000):
        clock = send(pacer, n % 1000, n % 7 == 0, clock)
        times.append(clock)

    assert most_in_any_window(times, 1.0) == 25
    assert sum(1 for t in times if t < 1.0) == 25, "no burst at start"
    assert times[-1] == pytest.approx(400, rel=0.01)


def test_no_burst_when_many_chats_ask_at_the_same_instant() -> None:
    pacer = Pacer(30)

    granted = [pacer.try_acquire(chat, False, 0.0) for chat in range(100)]

    assert granted.count(True) == 1


def test_greedy_polling_never_beats_the_rate() -> None:
    pacer = Pacer(25)
    times: list[float] = []
    for tick in range(5_000):  # every millisecond for five seconds, 40 chats asking each time
        now = tick / 1000
        times.extend(now for chat in range(40) if pacer.try_acquire(chat, False, now))

    assert most_in_any_window(times, 1.0) <= 25
    assert len(times) >= 5 * 25 - 1


def test_a_private_chat_gets_at_most_one_message_a_second() -> None:
    pacer = Pacer(25)
    clock, times = 0.0, []
    for _ in range(100):
        clock = send(pacer, 42, False, clock)
        times.append(clock)

    assert all(b >= a + 1.0 for a, b in pairwise(times))
    assert times[-1] == pytest.approx(99.0)


def test_a_group_gets_at_most_twenty_messages_a_minute() -> None:
    pacer = Pacer(25)
    clock, times = 0.0, []
    for _ in range(100):
        clock = send(pacer, -100123, True, clock)
        times.append(clock)

    assert most_in_any_window(times, 60.0) == 20
    # Twenty right away (paced by the bot-wide rate), then twenty more each minute.
    assert times[19] == pytest.approx(19 / 25)
    assert times[20] == pytest.approx(60.0)
    assert times[-1] == pytest.approx(4 * 60 + 19 / 25)


def test_pause_until_holds_every_chat_until_then() -> None:
    pacer = Pacer(25)
    assert pacer.try_acquire(1, False, 0.0)
    pacer.pause_until(30.0)

    assert not pacer.try_acquire(2, False, 29.99)
    assert not pacer.try_acquire(-3, True, 29.99)
    assert pacer.earliest(4, False, 10.0) == 30.0
    assert pacer.try_acquire(2, False, 30.0)
    pacer.pause_until(5.0)  # a shorter pause never cuts a longer one short
    assert pacer.paused_until == 30.0


def test_record_counts_sends_the_pacer_did_not_grant() -> None:
    pacer = Pacer(25)
    pacer.record(7, False, 10.0)

    assert pacer.earliest(7, False, 10.0) == 11.0
    assert pacer.earliest(8, False, 10.0) == pytest.approx(10.04)
    pacer.record(7, False, 11.0)
    assert pacer.earliest(7, False, 11.5) == 12.0, "the older send's expiry forgets nothing"


def test_memory_follows_recent_chats_only() -> None:
    pacer = Pacer(1000)
    clock = 0.0
    for chat in range(10_000):
        clock = send(pacer, chat, chat % 2 == 0, clock)
    assert pacer.tracked_chats > 5_000  # all sent to within the last minute

    assert pacer.try_acquire(-1, False, clock + 61.0)
    assert pacer.tracked_chats == 1


@settings(max_examples=40, deadline=None)
@given(
    rate=st.sampled_from([1, 5, 25, 30, 2.5]),
    chats=st.lists(
        st.tuples(st.booleans(), st.integers(1, 30)),  # (group_like, messages queued)
        min_size=1,
        max_size=40,
    ),
)
def test_a_sender_loop_respects_every_limit_and_waits_no_longer_than_needed(
    rate: float, chats: list[tuple[bool, int]]
) -> None:
    """Serve every chat's queue as soon as the pacer allows, like the real sender loop."""
    per_window = max(1, math.floor(rate))
    pacer = Pacer(rate)
    queue = [(0.0, chat_id) for chat_id in range(len(chats))]
    left = {chat_id: count for chat_id, (_, count) in enumerate(chats)}
    sent: dict[int, list[float]] = defaultdict(list)
    everything: list[float] = []
    clock = 0.0
    while queue:
        ready, chat_id = heapq.heappop(queue)
        clock = max(clock, ready)
        group_like = chats[chat_id][0]
        at = pacer.earliest(chat_id, group_like, clock)
        if at > clock:
            heapq.heappush(queue, (at, chat_id))
            continue
        assert pacer.try_acquire(chat_id, group_like, clock)
        # Every send happens the moment the limits let it, never later: its time is when
        # its message was queued, or exactly where one of the limits ends.
        mine = sent[chat_id]
        ends = [mine[-1] if mine else 0.0]  # when its next message was queued
        if everything:
            ends.append(everything[-1] + 1 / rate)
        if len(everything) >= per_window:
            ends.append(everything[-per_window] + 1.0)
        if mine and not group_like:
            ends.append(mine[-1] + 1.0)
        if len(mine) >= 20 and group_like:
            ends.append(mine[-20] + 60.0)
        assert any(math.isclose(clock, end, abs_tol=1e-9) for end in ends)
        mine.append(clock)
        everything.append(clock)
        left[chat_id] -= 1
        if left[chat_id]:
            heapq.heappush(queue, (clock, chat_id))

    assert len(everything) == sum(count for _, count in chats)
    assert most_in_any_window(everything, 1.0) <= per_window
    for chat_id, times in sent.items():
        if chats[chat_id][0]:
            assert most_in_any_window(times, 60.0) <= 20
        else:
            assert all(b >= a + 1.0 for a, b in pairwise(times))


# -- token buckets (what users may send) ---------------------------------------------------------


def taken(buckets: TokenBuckets, key: object, times: list[float]) -> list[float]:
    """Offer one take at each time; return the times that were allowed."""
    allowed = []
    for now in times:
        if buckets.wait(key, now) == 0.0:
            buckets.take(key, now)
            allowed.append(now)
    return allowed


def test_a_burst_of_five_then_one_every_three_seconds() -> None:
    buckets = TokenBuckets(20 / 60, 5)
    flood = [n * 0.01 for n in range(300)]  # 300 in three seconds
    assert len(taken(buckets, "chat", flood)) == 5
    assert buckets.wait("chat", 3.0) == pytest.approx(0.0, abs=1e-9)
    assert buckets.wait("chat", 2.0) == pytest.approx(1.0)


@given(st.lists(st.floats(0, 600, allow_nan=False), max_size=400))
@settings(max_examples=60, deadline=None)
def test_never_more_than_burst_plus_rate_times_elapsed(times: list[float]) -> None:
    buckets = TokenBuckets(20 / 60, 5)
    allowed = taken(buckets, "chat", sorted(times))
    for i, start in enumerate(allowed):
        for j in range(i, len(allowed)):
            assert j - i + 1 <= 5 + (allowed[j] - start) * 20 / 60 + 1e-9


def test_keys_are_independent() -> None:
    buckets = TokenBuckets(1, 2)
    assert taken(buckets, "a", [0, 0, 0]) == [0, 0]
    assert taken(buckets, "b", [0, 0]) == [0, 0]


def test_a_refusal_is_reported_once_until_the_bucket_is_full_again() -> None:
    buckets = TokenBuckets(1, 2)
    taken(buckets, "a", [0, 0])
    assert buckets.wait("a", 0.5) == pytest.approx(0.5)
    assert buckets.refuse("a") is True
    assert buckets.refuse("a") is False
    # A flooder taking each token as it comes never gets a full bucket, so never a second word.
    taken(buckets, "a", [1.0])
    assert buckets.wait("a", 1.5) > 0
    assert buckets.refuse("a") is False
    # Quiet until full again: the next refusal is reported.
    taken(buckets, "a", [10.0, 10.0, 10.0])
    assert buckets.refuse("a") is True


def test_memory_stays_bounded_under_a_flood_of_distinct_keys() -> None:
    buckets = TokenBuckets(1, 5, max_keys=1000)
    for n in range(10_000):
        buckets.take(n, 0.0)
    assert len(buckets) == 1000
    buckets.wait(0, 100.0)  # every bucket is full again by then
    assert len(buckets) == 0


def test_token_buckets_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        TokenBuckets(0, 5)
    with pytest.raises(ValueError):
        TokenBuckets(1, 0)


@settings(max_examples=60, deadline=None)
@given(paid_first=st.lists(st.booleans(), min_size=50, max_size=400))
def test_paid_sends_get_their_own_ceiling_and_free_ones_keep_theirs(
    paid_first: list[bool],
) -> None:
    """Free sends never pass the free rate; all sends together never pass the paid rate."""
    pacer = Pacer(10, paid_rate=100)
    clock = 0.0
    free: list[float] = []
    every: list[float] = []
    for i, paid in enumerate(paid_first):
        at = pacer.earliest(i, False, clock, paid=paid)
        assert pacer.try_acquire(i, False, at, paid=paid)
        clock = at
        every.append(at)
        if not paid:
            free.append(at)
    assert most_in_any_window(free, 1.0) <= 10
    assert most_in_any_window(every, 1.0) <= 100


def test_a_hundred_paid_sends_fit_in_the_second_ten_free_ones_take() -> None:
    pacer = Pacer(10, paid_rate=100)
    paid = [send_paid(pacer, 1000 + i) for i in range(100)]
    unpaid = Pacer(10)
    free = [send(unpaid, 1000 + i, False, 0.0) for i in range(100)]
    assert paid[-1] < 1.0 < free[-1]


def send_paid(pacer: Pacer, chat_id: int) -> float:
    at = pacer.earliest(chat_id, False, 0.0, paid=True)
    pacer.record(chat_id, False, at, paid=True)
    return at


def test_without_a_paid_rate_the_paid_flag_changes_nothing() -> None:
    pacer = Pacer(10)
    times = [send_paid(pacer, 1000 + i) for i in range(20)]
    assert most_in_any_window(times, 1.0) <= 10
