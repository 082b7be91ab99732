"""People's time zones as Slack knows them (their profile), cached in the store and refreshed
outside Slack's 3-second window: many at once, in parallel; people.yaml is the fallback."""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from slack_sdk.errors import SlackApiError

from mlhub import calendar

log = logging.getLogger("mlhub.bot.zones")
FRESH = dt.timedelta(hours=12)
REMEMBER = 60.0  # seconds a process trusts a zone it read from the store
PARALLEL = 8


def _zone(name: str | None) -> ZoneInfo | None:
    return ZoneInfo(name) if name and calendar.zone(name) else None


class Zones:
    def __init__(self, store):
        self.store = store
        self._seen: dict[str, tuple[float, ZoneInfo | None]] = {}  # this process's recent reads

    def cached(self, user: str) -> ZoneInfo | None:
        """The Slack zone fetched recently, without asking Slack; None when unknown or stale.
        Remembered in the process for a minute: a zone changes far less often than people ask."""
        seen = self._seen.get(user)
        if seen and time.monotonic() - seen[0] < REMEMBER and seen[1] is not None:
            return seen[1]
        zone = _zone(self.store.zones([user], FRESH).get(user))
        self._seen[user] = (time.monotonic(), zone)
        return zone

    def best(self, user: str, fallback: str | None) -> ZoneInfo:
        """Slack's zone when known, else people.yaml's, else UTC."""
        return self.cached(user) or _zone(fallback) or ZoneInfo("UTC")

    def refresh(self, client, users: list[str], limit: int | None = None) -> int:
        """Ask Slack (users.info, in parallel) for the zones not fetched recently; returns how many."""
        known = self.store.zones(users, FRESH)
        stale = [u for u in dict.fromkeys(users) if u not in known][:limit]

        def fetch(user: str) -> None:
            try:
                tz = client.users_info(user=user)["user"].get("tz")
            except SlackApiError as exc:
                log.warning("users.info %s: %s", user, exc.response.get("error"))
                tz = None
            self.store.save_zone(user, tz)

        if stale:
            with ThreadPoolExecutor(min(PARALLEL, len(stale))) as pool:
                list(pool.map(fetch, stale))
        return len(stale)
