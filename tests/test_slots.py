"""The SIG slot finder: fair to every time zone, across daylight-saving changes, checked by brute force."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mlhub.community.slots import Slot, find, outside_minutes, ranked, score

SF, BCN, BLR = ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/Madrid"), ZoneInfo("Asia/Kolkata")
HOUR = dt.timedelta(hours=1)
# 8 weeks from 2027-03-01 hold both daylight-saving changes (US 03-14, Europe 03-28)
FIRST = dt.date(2027, 3, 1)


def test_minutes_outside_hours_in_the_members_zone():
    monday = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    assert outside_minutes(monday.replace(hour=9), HOUR, BCN) == 0  # 10:00 CET
    assert outside_minutes(monday.replace(hour=16, minute=30), HOUR, BCN) == 90  # 17:30-18:30 CET
    assert outside_minutes(monday.replace(hour=2), HOUR, BLR) == 90  # 07:30 IST, 90 min early
    assert outside_minutes(dt.datetime(2027, 3, 7, 17, tzinfo=dt.UTC), HOUR, SF) == 24 * 60  # Sunday


def test_daylight_saving_changes_are_counted():
    slot = Slot(1, 16 * 60)  # Tuesdays 16:00 UTC: 08:00 PST, then 09:00 PDT after 03-14
    weeks = slot.starts(FIRST, 8)
    per_week = [outside_minutes(w, HOUR, SF) for w in weeks]
    assert per_week[:2] == [60, 60] and per_week[-1] == 0


@pytest.mark.parametrize("zones", [[SF, BCN, BLR], [BCN, BLR], [SF, BCN]])
def test_the_best_single_slot_matches_brute_force(zones):
    found = ranked(zones, HOUR, FIRST)[0][0]
    brute = min(score(Slot(d, m), zones, HOUR, FIRST, 8) for d in range(7) for m in range(0, 24 * 60, 1))
    assert found == brute


def test_alternating_slots_when_no_single_slot_is_fair():
    proposals = find([SF, BCN, BLR], HOUR, FIRST)
    best_single = ranked([SF, BCN, BLR], HOUR, FIRST)[0][0][0]
    assert best_single > 0
    assert len(proposals[0].slots) == 2 and proposals[0].worst_minutes < best_single
    assert len(proposals) == 3


def test_a_single_fair_slot_when_there_is_one():
    (first, *_) = find([BCN, BLR], HOUR, FIRST)
    assert len(first.slots) == 1 and first.worst_minutes == 0
