"""ICS feeds: they parse with icalendar, and their occurrences match the content across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from mlhub import calendar
from mlhub.content import load

from .conftest import REPO

# Europe moves to summer time on 2027-03-28, the US on 2027-03-14.
WINDOW = (dt.datetime(2027, 2, 15, tzinfo=dt.UTC), dt.datetime(2027, 5, 1, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def hub():
    return load(REPO)


@pytest.fixture(scope="module")
def feeds(hub):
    return calendar.feeds(hub)


def expand(ics: str) -> list[tuple[str, dt.datetime]]:
    cal = Calendar.from_ical(ics)
    events = recurring_ical_events.of(cal).between(*WINDOW)
    return sorted((str(e["UID"]), e["DTSTART"].dt.astimezone(dt.UTC)) for e in events)


def test_one_feed_per_sig_and_ceremony_and_one_combined(hub, feeds):
    assert set(feeds) == {f"{s.id}.ics" for s in hub.sigs} | {
        "ml-sync.ics", "community-sessions.ics", "all.ics"}
    for text in feeds.values():
        cal = Calendar.from_ical(text)
        assert cal["VERSION"] == "2.0"


@pytest.mark.parametrize("sig_id", ["sig-tracking-registry", "sig-pipelines", "sig-training-tuning",
                                    "sig-serving"])
def test_feed_occurrences_match_sigs_yaml_across_dst(hub, feeds, sig_id):
    sig = hub.sig(sig_id)
    expected = sorted(
        (calendar.uid(m), o.start.astimezone(dt.UTC))
        for m in sig.meetings for o in calendar.occurrences(m, *WINDOW)
    )
    assert expected, "the window must hold occurrences"
    assert expand(feeds[f"{sig_id}.ics"]) == expected
    # wall-clock time stays put in the meeting's zone while the UTC time moves
    for m in sig.meetings:
        local = {o.start.astimezone(ZoneInfo(m.tz)).time() for o in calendar.occurrences(m, *WINDOW)}
        assert local == {m.dtstart.time()}


def test_dst_shift_in_utc_for_a_paris_meeting(feeds):
    got = dict((when.date(), when.time()) for _, when in expand(feeds["sig-tracking-registry.ics"]))
    assert got[dt.date(2027, 3, 23)] == dt.time(15, 0)  # 16:00 CET
    assert got[dt.date(2027, 4, 6)] == dt.time(14, 0)  # 16:00 CEST


def test_combined_feed_holds_every_meeting(hub, feeds):
    every = expand(feeds["all.ics"])
    parts = [e for name, text in feeds.items() if name != "all.ics" for e in expand(text)]
    assert every == sorted(parts)
    assert {uid for uid, _ in every} == {calendar.uid(m) for _, m in hub.meetings()}


def test_exdates_are_skipped_in_the_feed(feeds):
    cal = Calendar.from_ical(feeds["sig-tracking-registry.ics"])
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(
        dt.datetime(2026, 12, 20, tzinfo=dt.UTC), dt.datetime(2027, 1, 5, tzinfo=dt.UTC))]
    assert starts == []  # 2026-12-29 is skipped, the next is 2027-01-12


def test_uids_are_stable_across_builds(hub):
    first = calendar.feeds(hub)
    again = calendar.feeds(load(REPO))
    assert first == again
    uids = [str(e["UID"]) for e in Calendar.from_ical(first["all.ics"]).walk("VEVENT")]
    assert len(uids) == len(set(uids)) and all(u.endswith("@mlhub") for u in uids)


def test_upcoming_is_sorted_and_bounded(hub, now):
    occ = calendar.upcoming(hub, now, days=30)
    starts = [o.start.astimezone(dt.UTC) for o in occ]
    assert starts == sorted(starts)
    assert all(now <= s < now + dt.timedelta(days=30) for s in starts)
    assert {o.calendar for o in occ} >= {"ml-sync", "sig-pipelines"}


def test_the_bots_timed_posts_are_alarms_in_the_feeds(feeds):
    sync = next(iter(Calendar.from_ical(feeds["ml-sync.ics"]).walk("VEVENT")))
    triggers = sorted(a["TRIGGER"].dt for a in sync.walk("VALARM"))
    assert triggers == [-dt.timedelta(days=1), -dt.timedelta(minutes=15)]
    sig = next(iter(Calendar.from_ical(feeds["sig-pipelines.ics"]).walk("VEVENT")))
    assert [a["TRIGGER"].dt for a in sig.walk("VALARM")] == [-dt.timedelta(minutes=15)]


def test_a_name_on_several_lines_is_one_line_in_the_feed(repo, now):
    repo.edit_yaml("community/sigs.yaml", lambda d: d["sigs"][0].update(name="Tracking\n---\nRegistry"))
    hub = load(repo.root, now)
    cal = Calendar.from_ical(calendar.feeds(hub)[f"{hub.sigs[0].id}.ics"])
    assert cal["X-WR-CALNAME"] == "Tracking --- Registry"
