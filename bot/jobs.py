"""The registry of scheduled work, filled by the ceremonies the way they register listeners: what a
timed post says (per calendar and action; when is written once in mlhub.community.jobs), and
what runs on every tick (FCP deadlines, refreshing time zones). Imports no ceremony."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ANY_SIG = "*"


class JobState(StrEnum):
    """Where a planned post stands; the scheduler owns every move between them."""

    pending = "pending"
    firing = "firing"  # claimed by one process for a lease, being posted; taken over when the lease runs out
    done = "done"
    missed = "missed"  # due too long ago (the bot was down): recorded, not posted


@dataclass(frozen=True)
class Firing:
    """One job being fired: its occurrence, in the meeting's zone, and how late it is."""

    hub: Any
    calendar: str
    action: str
    start: dt.datetime  # UTC
    local: dt.datetime  # in the meeting's zone
    when: str  # "Tue 24 Nov 10:30 CET (09:30 UTC)"
    title: str  # escaped for Slack
    late: dt.timedelta
    now: dt.datetime


Post = Callable[[Any, Firing], str]  # (deps, firing) -> the message to post
Tick = Callable[[Any, Any, dt.datetime], object]  # (deps, client, now)


class Jobs:
    def __init__(self) -> None:
        self._posts: dict[tuple[str, str], Post] = {}
        self.ticks: list[Tick] = []

    def post(self, action: str, calendar: str = ANY_SIG) -> Callable[[Post], Post]:
        """Register what a timed post says; calendar ANY_SIG is every SIG's meetings."""
        def wrap(fn: Post) -> Post:
            self._posts[(calendar, action)] = fn
            return fn
        return wrap

    def every_tick(self, fn: Tick) -> Tick:
        self.ticks.append(fn)
        return fn

    def text_for(self, calendar: str, action: str, is_sig: bool) -> Post | None:
        return self._posts.get((calendar, action)) or (self._posts.get((ANY_SIG, action)) if is_sig else None)
