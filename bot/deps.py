"""What listeners need, injected: configuration, store, outbox, publisher, clock and content."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import BotConfig
from bot.store import Store
from mlhub.content import Hub, load
from mlhub.content.models import Person
from mlhub.publish import Publisher
from mlhub.publish.outbox import Outbox


class HubCache:
    """The validated content, reloaded when a content file changes (checked at most every few s)."""

    WATCHED = ("community", "catalog", "rfcs", "demos", "tutorials")

    def __init__(self, root: Path, every: float = 2.0):
        self.root, self.every = root, every
        self._hub: Hub | None = None
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
                    self._hub, self._stamp = load(self.root), stamp
            return self._hub


@dataclass
class Deps:
    config: BotConfig
    store: Store
    outbox: Outbox
    publisher: Publisher
    hub: Callable[[], Hub]
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    def person(self, slack_user: str) -> Person | None:
        return next((p for p in self.hub().people if p.slack_id == slack_user), None)
