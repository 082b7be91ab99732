"""App Home: your SIGs, the next ceremonies in your own time zone, the RFCs waiting for you, and the
clusters, your team's first. Published before Slack gets its answer, and only for the Home tab, so
that an event whose publishing failed is retried by Slack (bot.delivery.event_listener); people's
Slack zones are refreshed on every tick so that it, `/sig next` and the fair-time polls rarely wait
for Slack."""

from __future__ import annotations

import datetime as dt

from bot import blocks
from bot.ceremonies import platform
from bot.delivery import event_listener
from bot.deps import Deps
from bot.mrkdwn import safe
from mlhub import calendar
from mlhub.rfc import fcp as rules

COMMAND = None
ACTIONS: list[str] = []
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS = ["app_home_opened"]
ZONES_PER_TICK = 50  # users.info is Tier 4 (100+ per minute)


def view(deps: Deps, user: str, now: dt.datetime) -> dict:
    hub = deps.hub()
    person = deps.person(user)
    zone = deps.zones.best(user, person.tz if person else None)
    pid = person.id if person else None
    sigs = [s for s in hub.sigs if pid and pid in {*s.members, *s.chairs, *s.tech_leads, *s.rfc_approvers}]
    mine = {s.id for s in sigs} | {"ml-sync", "community-sessions"}
    meetings = [f"• {o.start.astimezone(zone):%a %d %b %H:%M} ({zone.key}) · {safe(o.meeting.title)}"
                for o in calendar.upcoming(hub, now, days=14) if o.calendar in mine][:8]
    waiting = []
    for row in deps.store.fcps():
        fcp = row.fcp
        if pid in rules.state_of(hub, fcp).eligible and pid not in fcp.signoffs and fcp.state in rules.OPEN:
            waiting.append(f"• RFC {fcp.rfc:04d}: your sign-off (`/rfc approve {fcp.rfc}`)")
    _, clusters, report = platform.known(deps)
    return blocks.home(person, sigs, meetings, waiting,
                       platform.views.home_blocks(clusters, person.team if person else None, report))


def refresh_zones(deps: Deps, client, now: dt.datetime) -> None:
    deps.zones.refresh(client, [p.slack_id for p in deps.hub().people], limit=ZONES_PER_TICK)


def register(app, deps: Deps) -> None:
    def home_tab(event) -> bool:
        return event.get("tab", "home") == "home"

    def ack_event(ack):
        ack()

    def publish(event, client):
        user = event["user"]
        deps.zones.refresh(client, [user])
        client.views_publish(user_id=user, view=view(deps, user, deps.clock()))

    app.event("app_home_opened", matchers=[home_tab])(event_listener(deps.store, publish))
    app.event("app_home_opened")(ack_event)  # the Messages tab: nothing to render
    deps.jobs.every_tick(refresh_zones)
