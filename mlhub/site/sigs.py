"""SIG directory and a page per SIG: mission, leads, services owned, next meetings, RFCs."""

from __future__ import annotations

import datetime as dt

from mlhub import calendar
from mlhub.content.hub import Hub
from mlhub.content.models import Sig
from mlhub.site import md, paths

NEXT_MEETINGS = 4


def index(hub: Hub, now: dt.datetime) -> str:
    here = paths.SIGS
    rows = []
    for sig in hub.sigs:
        nxt = [o for m in sig.meetings if (o := calendar.next_occurrence(m, now))]
        first = min(nxt, key=lambda o: o.start) if nxt else None
        rows.append([
            f"[{sig.name}]({md.rel(here, paths.sig(sig.id))})",
            md.badge("sig", sig.status.value),
            md.people(hub, sig.chairs),
            f"`#{sig.slack_channel}`",
            md.when(first.start) if first else "no meeting scheduled",
        ])
    return md.page(
        "Special Interest Groups",
        "SIGs are groups of experts and interested users who meet regularly on one topic and "
        "decide through RFCs. Anyone can join. Times are shown in the meeting's own time zone "
        "and in UTC, as of the site's last build.",
        md.table(["SIG", "Status", "Chairs", "Slack", "Next meeting"], rows),
        f"[Subscribe to every community meeting (ICS)]({md.rel(here, paths.calendar('all'))})",
    )


def sig_page(hub: Hub, sig: Sig, now: dt.datetime) -> str:
    here = paths.sig(sig.id)
    facts = md.table(["", ""], [
        ["Status", md.badge("sig", sig.status.value)],
        ["Chairs", md.people(hub, sig.chairs)],
        ["Tech leads", md.people(hub, sig.tech_leads)],
        ["RFC approvers", md.people(hub, sig.rfc_approvers)],
        ["Members", str(len(sig.members))],
        ["Slack", f"`#{sig.slack_channel}`"],
    ])
    meetings = []
    for m in sig.meetings:
        occ = calendar.occurrences(m, now, now + dt.timedelta(days=120))[:NEXT_MEETINGS]
        lines = [f"### {m.title}", "",
                 f"Recurrence: `{m.rrule}` from {m.dtstart:%Y-%m-%d %H:%M} ({m.tz}), "
                 f"{int(m.duration.total_seconds() // 60)} minutes."
                 + (f" [Join]({m.url})" if m.url else ""), ""]
        if occ:
            lines.append(f"**Next meeting:** {md.when(occ[0].start)}")
            lines.append("")
            lines += [f"- {md.when(o.start)}" for o in occ[1:]]
        else:
            lines.append("No meeting in the next 120 days.")
        meetings.append("\n".join(lines))
    services = [f"- [{s.name}]({md.rel(here, paths.service(s.id))}) "
                f"{md.badge('maturity', s.maturity.value)}" for s in hub.services_of(sig.id)]
    rfcs = [f"- [RFC {r.number:04d}: {r.title}]({md.rel(here, paths.rfc(r.slug))}) "
            f"{md.badge('rfc', r.status.value)}" for r in hub.rfcs_of(sig.id)]
    return md.page(
        sig.name,
        sig.mission,
        facts,
        "## Meetings\n\n" + ("\n\n".join(meetings) or "This SIG has no regular meeting.")
        + f"\n\n[Subscribe to this SIG's calendar (ICS)]({md.rel(here, paths.calendar(sig.id))})",
        "## Services owned\n\n" + ("\n".join(services) or "None."),
        "## RFCs\n\n" + ("\n".join(rfcs) or "None yet."),
    )


def render(hub: Hub, now: dt.datetime) -> dict[str, str]:
    out = {paths.SIGS: index(hub, now)}
    for sig in hub.sigs:
        out[paths.sig(sig.id)] = sig_page(hub, sig, now)
    return out
