"""The community calendar: the ceremonies, every meeting of the next weeks, and the roadmap."""

from __future__ import annotations

import datetime as dt

from mlhub import calendar
from mlhub.content.hub import Hub
from mlhub.site import md, paths

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
            nxt = calendar.next_occurrence(cer.meeting, now)
            parts.append(
                f"## {cer.name}\n\n{cer.purpose}\n\n{extra} Slack: `#{cer.slack_channel}`.\n\n"
                f"**Next:** {md.when(nxt.start) if nxt else 'not scheduled'} · "
                f"`{cer.meeting.rrule}` · "
                f"[calendar (ICS)]({md.rel(here, paths.calendar(cid))})"
            )
    rows = []
    for occ in calendar.upcoming(hub, now, HORIZON_DAYS):
        title, link = _calendar_title(hub, occ.calendar)
        rows.append([md.when(occ.start), occ.meeting.title,
                     f"[{title}]({md.rel(here, link)})" if link else title])
    parts.append(f"## Next {HORIZON_DAYS} days\n\nAs of the site's last build. "
                 f"[Subscribe to all meetings (ICS)]({md.rel(here, paths.calendar('all'))}).\n\n"
                 + md.table(["When", "Meeting", "Group"], rows))
    return md.page("Community calendar", *parts)


def roadmap_page(hub: Hub) -> str:
    here = paths.ROADMAP
    rm = hub.roadmap
    if rm is None:
        return md.page("Roadmap", "No roadmap yet.")
    rows = []
    for item in rm.items:
        svcs = ", ".join(f"[{s.name}]({md.rel(here, paths.service(s.id))})"
                         for sid in item.services if (s := hub.service(sid)))
        rows.append([item.title, md.badge("roadmap", item.status.value),
                     md.person(hub, item.owner), svcs, item.notes])
    return md.page(f"Platform roadmap {rm.quarter}", rm.scope,
                   md.table(["Item", "Status", "Owner", "Services", "Notes"], rows))


def minutes_page(hub: Hub) -> str:
    here = paths.MINUTES
    rows = "\n".join(f"- [ML Sync {day}]({md.rel(here, f'ml-sync/{day}.md')})" for day in reversed(hub.minutes))
    return md.page("ML Sync minutes", "The hosts publish the minutes of every ML Sync from Slack "
                   "(`/mlsync publish`); each arrives as a pull request to `docs/ml-sync/`.",
                   rows or "No minutes yet.")


def render(hub: Hub, now: dt.datetime) -> dict[str, str]:
    return {paths.CEREMONIES: ceremonies_page(hub, now), paths.ROADMAP: roadmap_page(hub),
            paths.MINUTES: minutes_page(hub)}
