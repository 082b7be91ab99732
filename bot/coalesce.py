"""Reconciles coalesced: a follow-up that makes something outside the store match it (a live
message, a branch) runs once for a burst of changes instead of once per change. A run reads the
store when it starts, so it covers every change committed before; a follow-up asked for while
another run is under way waits, then runs only if no run started after it was asked. The last
change is therefore always followed by a run that reads it (never a lost final state), and a
burst of N changes costs two runs, not N (Slack's chat.update allows about 50 a minute per app:
tier 3). Per process: each worker and replica coalesces its own follow-ups, and the work itself
takes the store's lock across processes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Key:
    asked: int = 0  # follow-ups asked for so far
    covered: int = 0  # the asks the last finished run read the store after
    running: threading.Lock = field(default_factory=threading.Lock)


class Coalesced:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._keys: dict[str, _Key] = {}

    def run(self, key: str, work: Callable[[], None]) -> bool:
        """Run work for key unless a run that started after this call already did; True if it ran.
        Call it after the change is committed. A run that fails covers nothing: those waiting try."""
        with self._guard:
            k = self._keys.setdefault(key, _Key())
            k.asked += 1
            mine = k.asked
        with k.running:
            with self._guard:
                if k.covered >= mine:
                    return False
                upto = k.asked  # every ask so far came after its change's commit: this run reads them
            work()
            with self._guard:
                k.covered = max(k.covered, upto)
            return True
