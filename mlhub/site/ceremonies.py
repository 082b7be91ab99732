"""The community calendar: the ceremonies, every meeting of the next weeks, and the ML Sync minutes."""

from __future__ import annotations

import datetime as dt
import html
import json

from mlhub import calendar
from mlhub.content.hub import Hub
from mlhub.site import md, paths, recurrence
from mlhub.site.sigs import subscribe

HORIZON_DAYS = 42


def _calendar_title(hub: Hub, cal: str) -> tuple[str, str | None]:
    if sig := hub.sig(cal):
        return sig.name, paths.sig(sig.id)
    return {"ml-sync": "ML Sync", "community-sessions": "ML Community Sessions"}.get(cal, cal), None


def ceremonies_page(hub: Hub, now: dt.datetime) -> str:
    here = paths.CEREMONIES
    parts = []
    if c := hub.ceremonies:
        sync, cs = c.ml_sync, c.community_sessions
        for cid, cer, extra in (
            ("ml-sync", sync, f"Hosts: {md.people(hub, sync.hosts)}."),
            ("community-sessions", cs,
             f"Hosts: {md.people(hub, cs.hosts)}. {cs.demo_slots} demo slots per session; a demo "
             f"is at most {cs.demo_minutes} minutes plus {cs.qa_minutes} of questions. "
             f"[Past demos]({md.rel(here, paths.DEMOS)})."),
        ):
            join = f" [Join the meeting]({cer.meeting.url})" if cer.meeting.url else ""
            parts.append(
                f"## {cer.name}\n\n{cer.purpose}\n\n{extra} Slack: `#{cer.slack_channel}`.\n\n"
                f"{recurrence.summary(cer.meeting)}{join}\n\n**Next:**\n\n"
                + recurrence.next_list(cer.meeting, now, 3)
                + f"\n[Calendar file (ICS)]({md.rel(here, paths.calendar(cid))})"
            )
    rows = []
    for occ in calendar.upcoming(hub, now, HORIZON_DAYS):
        title, link = _calendar_title(hub, occ.calendar)
        rows.append([f'<time datetime="{occ.start.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}">{md.when(occ.start)}</time>',
                     occ.meeting.title, f"[{title}]({md.rel(here, link)})" if link else title])
    # the page recomputes this table from the rules, in the reader's zone, so it never goes stale
    every = [recurrence.data(m) | {"group": _calendar_title(hub, cal)[0],
                                   "href": md.href(here, page) if (page := _calendar_title(hub, cal)[1]) else ""}
             for cal, m in hub.meetings()]
    parts.append(f"## Next {HORIZON_DAYS} days\n\n"
                 "Times are in your own time zone, with the organiser's beside them.\n\n"
                 + subscribe(md.rel(here, paths.calendar("all")), "all community meetings") + "\n\n"
                 f'<div class="mlhub-agenda" data-days="{HORIZON_DAYS}" '
                 f'data-meetings="{html.escape(json.dumps(every), quote=True)}" markdown>\n\n'
                 + md.table(["When", "Meeting", "Group"], rows) + "\n</div>")
    return md.page("Community calendar", *parts)


def minutes_page(hub: Hub) -> str:
    here = paths.MINUTES
    rows = "\n".join(f"- [ML Sync {day}]({md.rel(here, f'ml-sync/{day}.md')})" for day in reversed(hub.minutes))
    return md.page("ML Sync minutes", "The hosts publish the minutes of every ML Sync from Slack "
                   "(`/mlsync publish`); each arrives as a pull request to `docs/ml-sync/`.",
                   rows or "No minutes yet.", searchable=bool(hub.minutes))


def render(hub: Hub, now: dt.datetime) -> dict[str, str]:
    return {paths.CEREMONIES: ceremonies_page(hub, now), paths.MINUTES: minutes_page(hub)}
