"""Event grouping, pure: profiles, scores and placement without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digests.event_evaluation import CorpusFrequencies
from digests.events import EventIndex, Member, Weights, candidates
from digests.eventtext import Profile, profile, term_key

AT = datetime(2026, 2, 17, 20, tzinfo=UTC)
PERU_A = (
    "Peru's Congress removes interim President Jerí as he faces corruption allegations",
    "Peru's Congress has voted to remove interim President José Jerí from office.",
)
PERU_B = (
    "Peru's Congress ousts interim President José Jerí",
    "Peru's Congress voted on Tuesday to remove interim President José Jerí, just four months "
    "after he took office, weeks before the April 12 general election.",
)
OTHER = (
    "Hezbollah rejects disarmament plan and government's four-month timeline",
    "Armed group Hezbollah rejected on Tuesday the Lebanese government's decision.",
)


def member(n: int, report: tuple[str, str], at: datetime, source: int | None = None) -> Member:
    return Member(n, -1, n if source is None else source, at, profile(*report, "", "en"))


def weights(*reports: tuple[str, str]) -> Weights:
    return Weights(CorpusFrequencies(profile(*r, "", "en") for r in [*reports] * 3))


def test_a_profile_survives_storing_counted_and_weighted() -> None:
    found = profile(*PERU_B, "", "en")
    assert Profile.from_bytes(found.to_bytes()) == Profile(
        found.terms, found.title, found.names, found.numbers, found.days
    )
    stored = weights(PERU_A, PERU_B).weighted(Member(1, 1, 1, AT, found))
    back = Profile.from_bytes(stored.to_bytes())
    assert back.weighted and back.names == found.names and back.days == found.days
    assert back.terms.keys() == stored.terms.keys()
    assert all(abs(back.terms[k] - v) < 1e-6 for k, v in stored.terms.items())


def test_names_numbers_and_weekdays_are_found() -> None:
    found = profile(*PERU_B, "", "en")
    assert term_key("n:jerí") in found.names
    assert term_key("#:12") in found.numbers
    assert found.days == 1 << 1  # Tuesday
    assert term_key("n:jerí") in found.lookup_keys()


def test_arabic_clitics_and_english_inflections_meet_on_one_lemma() -> None:
    arabic = profile("محادثات إيران", "", "", "ar").terms
    with_clitic = profile("والمحادثات وإيران", "", "", "ar").terms
    assert arabic.keys() <= with_clitic.keys()
    assert profile("talks", "", "", "en").terms.keys() == profile("talk", "", "", "en").terms.keys()


def test_two_outlets_reports_join_and_another_happening_does_not() -> None:
    index = EventIndex(weights(PERU_A, PERU_B, OTHER))
    first = member(1, PERU_A, AT)
    index.add(Member(1, 7, 1, AT, first.profile), first=True)
    assert index.place(member(2, PERU_B, AT + timedelta(hours=3))).event_id == 7
    assert index.place(member(3, OTHER, AT + timedelta(hours=1))).event_id is None


def test_a_report_two_days_later_or_from_the_same_outlet_needs_more() -> None:
    shared = weights(PERU_A, PERU_B, OTHER)
    same_day = shared.score(member(1, PERU_A, AT), member(2, PERU_B, AT + timedelta(hours=2)))
    next_days = shared.score(member(1, PERU_A, AT), member(2, PERU_B, AT + timedelta(hours=40)))
    same_outlet = shared.score(member(1, PERU_A, AT), member(2, PERU_B, AT, source=1))
    assert same_day is not None and next_days is not None and same_outlet is not None
    assert next_days < same_day and same_outlet < same_day
    assert shared.score(member(1, PERU_A, AT), member(2, PERU_B, AT + timedelta(days=3))) is None


def test_candidates_are_the_stories_in_the_window_sharing_most_keys() -> None:
    new = member(9, PERU_B, AT)
    posted = {
        1: [(1, AT), (2, AT - timedelta(days=3)), (3, AT)],
        2: [(1, AT), (3, AT)],
        3: [(1, AT)],
    }
    assert candidates(new, [1, 2, 3], posted) == [1, 3]
