"""Meetings for people: a recurrence rule in words ("every other Tuesday"), and the markup from
which the page computes the next occurrences in the reader's own time zone
(docs/javascripts/mlhub.js), with the build's occurrences inside for readers without script."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence

from mlhub import calendar
from mlhub.content.models import Meeting
from mlhub.site import md

DAYS = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
        "SA": "Saturday", "SU": "Sunday"}
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}
# What the page's script can expand; a rule with any other part keeps the build's dates.
SUPPORTED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def parts(rule: str) -> dict[str, str]:
    out = {}
    for part in rule.strip().removeprefix("RRULE:").split(";"):
        key, _, value = part.partition("=")
        out[key.strip().upper()] = value.strip().upper()
    return out


def _every(n: int, unit: str) -> str:
    return {1: f"every {unit}", 2: f"every other {unit}"}.get(n, f"every {n} {unit}s")


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _nth(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _day(spec: str) -> tuple[int | None, str]:
    """'-1TH' -> (-1, 'Thursday'); 'TU' -> (None, 'Tuesday')."""
    code = spec[-2:]
    return (int(spec[:-2]) if spec[:-2] else None), DAYS[code]


def words(meeting: Meeting) -> str:
    """The rule in words, e.g. 'every other Tuesday' or 'the last Thursday of every month'; the
    raw rule when it uses parts this does not put into words."""
    p = parts(meeting.rrule)
    try:
        n = int(p.get("INTERVAL", "1"))
        days = [_day(d) for d in p["BYDAY"].split(",")] if "BYDAY" in p else []
        start = meeting.dtstart
        freq = p["FREQ"]
        if set(p) - SUPPORTED or "BYMONTH" in p and freq != "YEARLY":
            raise KeyError
        if freq == "DAILY":
            text = _every(n, "day")
        elif freq == "WEEKLY":
            names = _and([d for _, d in days] or [start.strftime("%A")])
            text = {1: f"every {names}", 2: f"every other {names}"}.get(n, f"every {n} weeks on {names}")
        elif freq == "MONTHLY":
            if days and all(o is not None for o, _ in days):
                which = _and([f"{ORDINALS[o]} {d}" for o, d in days if o is not None])
            elif "BYMONTHDAY" in p:
                which = _and([_nth(int(x)) for x in p["BYMONTHDAY"].split(",")])
            elif not days:
                which = _nth(start.day)
            else:
                raise KeyError
            text = f"the {which} of {_every(n, 'month')}"
        elif freq == "YEARLY" and not days:
            months = [MONTHS[int(m) - 1] for m in p.get("BYMONTH", str(start.month)).split(",")]
            text = f"{_every(n, 'year')} on {_and([f'{m} {start.day}' for m in months])}"
        else:
            raise KeyError
    except (KeyError, ValueError, IndexError):
        return f"recurring ({meeting.rrule})"
    if "COUNT" in p:
        text += f", {p['COUNT']} times"
    if "UNTIL" in p:
        text += f", until {p['UNTIL'][:4]}-{p['UNTIL'][4:6]}-{p['UNTIL'][6:8]}"
    return text


def summary(meeting: Meeting) -> str:
    """'Every other Tuesday at 10:30 Europe/Paris time, 30 minutes.'"""
    minutes = int(meeting.duration.total_seconds() // 60)
    text = words(meeting)
    return f"{text[0].upper()}{text[1:]} at {meeting.dtstart:%H:%M} {meeting.tz} time, {minutes} minutes."


def data(meeting: Meeting) -> dict:
    """What the page's script needs to expand the rule in the reader's zone."""
    return {"rrule": meeting.rrule, "dtstart": meeting.dtstart.isoformat(timespec="minutes"), "tz": meeting.tz,
            "exdates": [d.isoformat() for d in meeting.exdates],
            "minutes": int(meeting.duration.total_seconds() // 60), "title": meeting.title,
            "url": str(meeting.url) if meeting.url else ""}


def _attrs(meeting: Meeting, count: int) -> str:
    return (f'data-meeting="{html.escape(json.dumps(data(meeting)), quote=True)}" data-count="{count}" '
            f'data-supported="{"yes" if set(parts(meeting.rrule)) <= SUPPORTED else "no"}"')


def _item(start: dt.datetime) -> str:
    return f'<time datetime="{start.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}">{html.escape(md.when(start))}</time>'


def next_list(meeting: Meeting, now: dt.datetime, count: int, horizon_days: int = 400) -> str:
    """A raw-HTML list of the next `count` occurrences (the page recomputes them)."""
    occ = calendar.occurrences(meeting, now, now + dt.timedelta(days=horizon_days))[:count]
    items = "".join(f"<li>{_item(o.start)}</li>" for o in occ) or "<li>No meeting scheduled.</li>"
    return f'<ul class="mlhub-when" {_attrs(meeting, count)}>{items}</ul>\n'


def next_inline(meeting: Meeting, now: dt.datetime) -> str:
    """The next occurrence as inline HTML, for a table cell."""
    occ = calendar.next_occurrence(meeting, now)
    text = _item(occ.start) if occ else "not scheduled"
    return f'<span class="mlhub-when" {_attrs(meeting, 1)}>{text}</span>'
