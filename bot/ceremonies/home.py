"""App Home: your SIGs, the next ceremonies in your own time zone, the RFCs waiting for you."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import blocks
from bot.deps import Deps
from mlhub import calendar
from mlhub.rfc import fcp as rules

COMMANDS: list[str] = []
ACTIONS: list[str] = []
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS = ["app_home_opened"]


def user_zone(client, user: str, fallback: str | None) -> ZoneInfo:
    """The user's zone from Slack (users.info), else people.yaml, else UTC."""
    try:
        tz = client.users_info(user=user)["user"].get("tz")
    except Exception:  # Slack unreachable or user unknown: the repository still knows
        tz = None
    for name in (tz, fallback, "UTC"):
        if name and calendar.zone(name):
            return ZoneInfo(name)
    return ZoneInfo("UTC")


def view(deps: Deps, user: str, zone: ZoneInfo, now: dt.datetime) -> dict:
    hub = deps.hub()
    person = deps.person(user)
    pid = person.id if person else None
    sigs = [s for s in hub.sigs if pid and pid in {*s.members, *s.chairs, *s.tech_leads, *s.rfc_approvers}]
    mine = {s.id for s in sigs} | {"ml-sync", "community-sessions"}
    meetings = [f"• {o.start.astimezone(zone):%a %d %b %H:%M} ({zone.key}) · {o.meeting.title}"
                for o in calendar.upcoming(hub, now, days=14) if o.calendar in mine][:8]
    waiting = []
    for data in deps.store.fcps():
        state = rules.from_json(data)
        eligible = rules.state_of(hub, state).eligible
        if pid in eligible and pid not in state.signoffs and state.state in ("proposed", "running", "paused"):
            waiting.append(f"• RFC {state.rfc:04d}: your sign-off (`/rfc approve {state.rfc}`)")
    return blocks.home(hub, person, sigs, meetings, waiting)


def register(app, deps: Deps) -> None:
    @app.event("app_home_opened")
    def on_home(event, client):
        user = event["user"]
        person = deps.person(user)
        zone = user_zone(client, user, person.tz if person else None)
        client.views_publish(user_id=user, view=view(deps, user, zone, deps.clock()))
