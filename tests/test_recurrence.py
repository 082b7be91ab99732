"""Meeting recurrence rules: what parse() refuses and why, and fires() on rules that never yield."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from mlhub import recurrence
from mlhub.content import load

from .conftest import REPO

PARIS = ZoneInfo("Europe/Paris")
TUESDAY = dt.datetime(2026, 1, 6, 10, 30, tzinfo=PARIS)


def test_every_rule_of_the_repository_parses():
    hub = load(REPO)
    for _, meeting in hub.meetings():
        assert recurrence.parse(meeting.rrule)["FREQ"] in recurrence.FREQS


def test_parts_are_normalised():
    assert recurrence.parse("RRULE:freq=weekly; interval=2 ;byday=tu") == {
        "FREQ": "WEEKLY", "INTERVAL": "2", "BYDAY": "TU"}


@pytest.mark.parametrize("text, message", [
    ("FREQ=SECONDLY", "FREQ=SECONDLY is more often than a meeting repeats: use DAILY, WEEKLY, MONTHLY or YEARLY"),
    ("FREQ=MINUTELY;INTERVAL=30", "FREQ=MINUTELY is more often than a meeting repeats"),
    ("FREQ=HOURLY", "FREQ=HOURLY is more often than a meeting repeats"),
    ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL=0: each value must be a whole number from 1 to 999"),
    ("FREQ=WEEKLY;INTERVAL=-1", "INTERVAL=-1: each value must be a whole number from 1 to 999"),
    ("FREQ=DAILY;INTERVAL=" + "9" * 5000, "INTERVAL=999"),
    ("FREQ=DAILY;BYHOUR=9,10", "BYHOUR is not used: a meeting's time of day is its dtstart"),
    ("DTSTART:19700101T000000\nRRULE:FREQ=WEEKLY", "give one RRULE (FREQ=...;...) without other properties"),
    ("FREQ=WEEKLY\nRRULE:FREQ=DAILY", "give one RRULE"),
    ("INTERVAL=2", "FREQ must be one of DAILY, WEEKLY, MONTHLY, YEARLY"),
    ("FREQ=FORTNIGHTLY", "FREQ must be one of"),
    ("FREQ=WEEKLY;;", "'' is not KEY=VALUE"),
    ("FREQ=WEEKLY;FREQ=DAILY", "FREQ is given twice"),
    ("FREQ=WEEKLY;COUNT=0", "COUNT=0: each value must be a whole number from 1 to 9999"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z", "give COUNT or UNTIL, not both"),
    ("FREQ=WEEKLY;BYDAY=1TU", "BYDAY=1TU: a numbered weekday needs FREQ=MONTHLY or YEARLY"),
    ("FREQ=MONTHLY;BYDAY=6MO", "BYDAY=6MO: with FREQ=MONTHLY the number is 1 to 5 or -5 to -1"),
    ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX: give weekdays such as TU"),
    ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY cannot be used with FREQ=WEEKLY: use it with FREQ=MONTHLY "
     "or YEARLY, e.g. FREQ=MONTHLY;BYMONTHDAY=1,15"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "BYMONTHDAY cannot be used with FREQ=DAILY"),
    ("FREQ=DAILY;BYDAY=MO;BYSETPOS=1", "BYSETPOS cannot be used with FREQ=DAILY"),
    ("FREQ=MONTHLY;BYWEEKNO=20", "BYWEEKNO cannot be used with FREQ=MONTHLY"),
    ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY=32: each value must be a whole number from -1 to 31"),
    ("FREQ=YEARLY;BYMONTH=0", "BYMONTH=0: each value must be a whole number from 1 to 12"),
    ("FREQ=MONTHLY;BYSETPOS=2", "BYSETPOS needs another BY... part"),
    ("FREQ=YEARLY;BYEASTER=0", "unknown rule part BYEASTER"),
    ("FREQ=WEEKLY;WKST=XX", "WKST=XX: give a weekday"),
])
def test_rules_a_meeting_cannot_have_are_refused_saying_why(text, message):
    with pytest.raises(ValueError) as exc:
        recurrence.parse(text)
    assert str(exc.value).startswith(message), str(exc.value)


def fires(text: str, start: dt.datetime = TUESDAY) -> bool:
    return recurrence.fires(rrulestr(text, dtstart=start), start, recurrence.parse(text))


@pytest.mark.parametrize("text, expected", [
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", True),
    ("FREQ=MONTHLY;BYDAY=-1TH", True),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", False),
    ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", False),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", True),  # leap years
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", True),  # a Monday 29 February, every 28 years or so
    ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", False),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", False),
    ("FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=2MO", False),  # the second Monday is the 8th to 14th
    ("FREQ=DAILY;INTERVAL=7;BYDAY=WE", False),  # every 7th day from a Tuesday is a Tuesday
    ("FREQ=DAILY;INTERVAL=7;BYDAY=TU", True),
    ("FREQ=MONTHLY;INTERVAL=12;BYMONTH=2", False),  # from January, every 12th month is January
    ("FREQ=MONTHLY;INTERVAL=7;BYMONTH=2", True),  # every 7th month reaches February, 49 months on
    ("FREQ=WEEKLY;UNTIL=20260101T000000Z", True),  # ended before it started: next_occurrence says so
])
def test_fires_decides_on_one_calendar_cycle(text, expected):
    assert fires(text) is expected


@pytest.mark.parametrize("year", [1970, 9599, 9999])
def test_fires_from_any_start_year(year):
    start = TUESDAY.replace(year=year)
    assert fires("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", start) is True
    assert fires("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31", start) is False
