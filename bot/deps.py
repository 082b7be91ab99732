"""What listeners need, injected: configuration, store, outbox, publisher, clock, content, the
job registry, and what the bot learned from Slack (time zones, channel ids)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels import Channels
from bot.config import BotConfig
from bot.jobs import Jobs
from bot.refusal import Refusal
from bot.slash import Commands
from bot.store import Store
from bot.zones import Zones
from mlhub import calendar
from mlhub.calendar import Occurrence
from mlhub.content import ContentError, Hub, load
from mlhub.content.models import CeremoniesFile, Meeting, Person
from mlhub.publish import Publisher
from mlhub.publish.outbox import Outbox

Clock = Callable[[], dt.datetime]
log = logging.getLogger("mlhub.bot")


class HubCache:
    """The validated content, reloaded when a content file changes (checked at most every few s)."""

    WATCHED = ("community", "catalog", "requests", "rfcs", "demos", "tutorials", "clusters")

    def __init__(self, root: Path, every: float = 2.0):
        self.root, self.every = root, every
        self._hub: Hub | None = None
        self._people: dict[str, Person] = {}
        self._next: dict[str, tuple[dt.datetime, Occurrence | None]] = {}
        self._stamp: float = -1
        self._checked = 0.0
        self._lock = threading.Lock()

    def _mtime(self) -> float:
        return max((p.stat().st_mtime for d in self.WATCHED for p in (self.root / d).glob("*")
                    if p.is_file()), default=0.0)

    def __call__(self) -> Hub:
        with self._lock:
            if self._hub is None or time.monotonic() - self._checked > self.every:
                self._checked = time.monotonic()
                stamp = self._mtime()
                if stamp != self._stamp or self._hub is None:
                    self._reload(stamp)
            assert self._hub is not None
            return self._hub

    def _reload(self, stamp: float) -> None:
        """The new content, or (once the bot runs) the last good content while the new is invalid:
        a half-saved or wrong file never stops the bot; the log says once what is wrong."""
        try:
            hub = load(self.root)
        except (ContentError, OSError) as exc:
            if self._hub is None:
                raise
            self._stamp = stamp  # said once per change of the files
            problems = exc.problems if isinstance(exc, ContentError) else [exc]
            log.error("content is invalid, still serving the last valid content: %s",
                      "; ".join(str(p).replace("\n", " ") for p in problems))
            return
        self._hub, self._stamp = hub, stamp
        self._people = {p.slack_id: p for p in hub.people}
        self._next = {}

    def by_slack_id(self, slack_user: str) -> Person | None:
        self()
        return self._people.get(slack_user)

    def next_occurrence(self, meeting: Meeting, after: dt.datetime) -> Occurrence | None:
        """calendar.next_occurrence, remembered: the answer holds for any later `after` until the
        occurrence starts (expanding a rule on every command would cost more than the command)."""
        hit = self._next.get(meeting.id)
        if hit and hit[0] <= after and (hit[1] is None or after < hit[1].start):
            return hit[1]
        found = calendar.next_occurrence(meeting, after)
        self._next[meeting.id] = (after, found)
        return found


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Deps:
    config: BotConfig
    store: Store
    outbox: Outbox
    publisher: Publisher
    hub: HubCache
    clock: Clock = field(default=utcnow)
    jobs: Jobs = field(default_factory=Jobs)
    zones: Zones = field(init=False)
    channels: Channels = field(init=False)
    commands: Commands = field(init=False)  # set by the app factory
    caches: dict[str, Any] = field(default_factory=dict)  # what a ceremony keeps in the process, by name

    def __post_init__(self) -> None:
        self.zones = Zones(self.store)
        self.channels = Channels(self.store)

    def person(self, slack_user: str | None) -> Person | None:
        return self.hub.by_slack_id(slack_user) if slack_user else None

    def ceremonies(self) -> CeremoniesFile:
        found = self.hub().ceremonies
        if found is None:
            raise Refusal("community/ceremonies.yaml is missing: the ML Sync and the Community Sessions are "
                          "described there")
        return found
