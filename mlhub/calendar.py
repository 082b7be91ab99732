"""Meeting occurrences from RRULEs in IANA zones, and ICS feeds with stable UIDs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import rrule, rrulestr
from icalendar import Alarm, Calendar, Event, vRecur

from mlhub import recurrence
from mlhub.community import jobs
from mlhub.content.hub import Hub
from mlhub.content.models import Meeting

UID_DOMAIN = "mlhub"
PRODID = "-//mlhub//community calendars//EN"


def zone(name: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA name, or None when the name is not a real zone."""
    if name not in _zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_ZONES: set[str] | None = None


def _zones() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return _ZONES


def start(meeting: Meeting) -> dt.datetime:
    """The aware first occurrence: the local wall-clock dtstart in the meeting's zone."""
    tz = zone(meeting.tz)
    if tz is None:
        raise ValueError(f"unknown time zone {meeting.tz!r}")
    return meeting.dtstart.replace(tzinfo=tz)


def rule(meeting: Meeting) -> rrule:
    """The parsed RRULE anchored at the meeting's start; raises ValueError if it does not parse
    or is not a meeting's rule (recurrence.parse says why)."""
    recurrence.parse(meeting.rrule)
    parsed = rrulestr(meeting.rrule, dtstart=start(meeting), forceset=False)
    if not isinstance(parsed, rrule):
        raise ValueError("expected a single RRULE")
    return parsed


def fires(meeting: Meeting) -> bool:
    """Whether the meeting's rule ever yields an occurrence (in bounded time, even when not)."""
    return recurrence.fires(rule(meeting), start(meeting), recurrence.parse(meeting.rrule))


@dataclass(frozen=True)
class Occurrence:
    calendar: str
    meeting: Meeting
    start: dt.datetime  # aware, in the meeting's zone

    @property
    def end(self) -> dt.datetime:
        return self.start + self.meeting.duration

    @property
    def uid(self) -> str:
        return uid(self.meeting)


def uid(meeting: Meeting) -> str:
    """A UID that stays the same across builds, so calendar clients update instead of duplicate."""
    return f"{meeting.id}@{UID_DOMAIN}"


def occurrences(
    meeting: Meeting, after: dt.datetime, until: dt.datetime, calendar: str = ""
) -> list[Occurrence]:
    """Occurrences starting in [after, until), skipping exdates. Wall-clock time is kept across
    daylight-saving changes because dateutil keeps local fields and ZoneInfo picks the offset."""
    skipped = set(meeting.exdates)
    out = []
    for when in rule(meeting).between(after, until, inc=True):
        if when >= until or when.date() in skipped:
            continue
        out.append(Occurrence(calendar, meeting, when))
    return out


def next_occurrence(meeting: Meeting, now: dt.datetime, horizon_days: int = 400) -> Occurrence | None:
    """The first occurrence from `now` within the horizon, found lazily: expansion stops there."""
    until = now + dt.timedelta(days=horizon_days)
    skipped = set(meeting.exdates)
    for when in rule(meeting).xafter(now, inc=True):
        if when >= until:
            break
        if when.date() not in skipped:
            return Occurrence("", meeting, when)
    return None


def days_on(meeting: Meeting, first: dt.date, last: dt.date) -> set[dt.date]:
    """The local dates in [first, last] on which the meeting's rule has an occurrence (exdates
    not applied), from one pass over the rule."""
    tz = start(meeting).tzinfo
    lo = dt.datetime.combine(first, dt.time(), tz)
    hi = dt.datetime.combine(last, dt.time.max, tz)
    return {when.date() for when in rule(meeting).between(lo, hi, inc=True)}


def upcoming(hub: Hub, now: dt.datetime, days: int = 90) -> list[Occurrence]:
    """Every meeting of the hub in the next `days` days, sorted by start time."""
    until = now + dt.timedelta(days=days)
    out = []
    for cal, meeting in hub.meetings():
        out.extend(occurrences(meeting, now, until, cal))
    return sorted(out, key=lambda o: (o.start.astimezone(dt.UTC), o.meeting.id))


# --- ICS -----------------------------------------------------------------------------------


def _event(meeting: Meeting, calendar: str, description: str) -> Event:
    ev = Event()
    first = start(meeting)
    ev.add("uid", uid(meeting))
    # every skipped occurrence is a change calendar clients must apply: SEQUENCE grows with them
    ev.add("sequence", len(meeting.exdates))
    ev.add("summary", meeting.title)
    ev.add("dtstart", first)
    ev.add("dtend", first + meeting.duration)
    # DTSTAMP must be stable too, or every build would rewrite every feed.
    ev.add("dtstamp", dt.datetime.combine(meeting.dtstart.date(), dt.time(), dt.UTC))
    ev.add("rrule", _rrule_props(meeting.rrule))
    for day in meeting.exdates:
        ev.add("exdate", dt.datetime.combine(day, meeting.dtstart.time()).replace(tzinfo=first.tzinfo))
    ev.add("categories", [calendar])
    ev.add("description", description)
    for timing in jobs.timings(calendar):  # what the bot posts, as alarms in people's own calendars
        if timing.anchor == "start" and timing.offset < dt.timedelta(0):
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", timing.summary)
            alarm.add("trigger", timing.offset)
            ev.add_component(alarm)
    if meeting.url:
        ev.add("url", str(meeting.url))
        ev.add("location", str(meeting.url))
    return ev


def _rrule_props(text: str) -> vRecur:
    # icalendar types each part (UNTIL becomes a datetime) when it parses the normalised rule
    return vRecur.from_ical(";".join(f"{key}={value}" for key, value in recurrence.parse(text).items()))


def feed(name: str, entries: list[tuple[str, Meeting, str]]) -> str:
    """An ICS calendar for (calendar id, meeting, description) entries, with VTIMEZONEs."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    # icalendar escapes TEXT properties but not this extension one: one line of the name
    cal.add("x-wr-calname", " ".join(name.split()))
    for calendar, meeting, description in entries:
        cal.add_component(_event(meeting, calendar, description))
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


def feeds(hub: Hub) -> dict[str, str]:
    """One feed per SIG, one per ceremony and one combined: {file name: ICS text}."""
    out: dict[str, str] = {}
    every: list[tuple[str, Meeting, str]] = []
    if hub.ceremonies:
        for cid, cer in (("ml-sync", hub.ceremonies.ml_sync),
                         ("community-sessions", hub.ceremonies.community_sessions)):
            entry = (cid, cer.meeting, f"{cer.purpose}\nSlack: #{cer.slack_channel}")
            out[f"{cid}.ics"] = feed(cer.name, [entry])
            every.append(entry)
    for sig in hub.sigs:
        entries = [(sig.id, m, f"{sig.name}: {sig.mission}\nSlack: #{sig.slack_channel}")
                   for m in sig.meetings]
        out[f"{sig.id}.ics"] = feed(sig.name, entries)
        every.extend(entries)
    out["all.ics"] = feed("ML community: all meetings", every)
    return out
