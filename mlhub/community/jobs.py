"""When the ceremonies' timed posts happen, relative to each meeting: the one place this is written.
The bot's scheduler fires them; the ICS feeds carry them as alarms."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    action: str
    anchor: str  # "start" or "end" of the occurrence
    offset: dt.timedelta
    summary: str  # what the calendar alarm says

    def due(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        return (start if self.anchor == "start" else end) + self.offset


CEREMONY_TIMINGS: dict[str, list[Timing]] = {
    "ml-sync": [Timing("agenda-draft", "start", -dt.timedelta(days=1), "ML Sync agenda draft is posted"),
                Timing("reminder", "start", -dt.timedelta(minutes=15), "ML Sync in 15 minutes"),
                Timing("minutes-prompt", "end", dt.timedelta(0), "ML Sync minutes to record")],
    "community-sessions": [Timing("reminder", "start", -dt.timedelta(days=1), "ML Community Session tomorrow")],
}
SIG_TIMINGS = [Timing("reminder", "start", -dt.timedelta(minutes=15), "SIG meeting in 15 minutes")]


def timings(calendar_id: str) -> list[Timing]:
    return CEREMONY_TIMINGS.get(calendar_id, SIG_TIMINGS)
