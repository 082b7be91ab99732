"""SIG directory and a page per SIG: mission, leads, services owned, next meetings, RFCs."""

from __future__ import annotations

import datetime as dt

from mlhub import calendar
from mlhub.content.hub import Hub
from mlhub.content.models import Sig
from mlhub.site import md, paths, recurrence

NEXT_MEETINGS = 4


def subscribe(ics: str, what: str) -> str:
    """A webcal:// subscription (the page turns the link into one) and how to use it."""
    return (f"[Subscribe to {what}]({ics}){{ .mlhub-webcal }} · [download the ICS file]({ics})\n\n"
            "To subscribe, open the first link: your calendar app (Outlook, Apple Calendar, Thunderbird) "
            "asks to add the calendar and keeps it up to date. In Google Calendar, choose *Other calendars "
            "→ From URL* and paste the link's address.")


def index(hub: Hub, now: dt.datetime) -> str:
    here = paths.SIGS
    rows = []
    for sig in hub.sigs:
        nxt = [(o, m) for m in sig.meetings if (o := calendar.next_occurrence(m, now))]
        first = min(nxt, key=lambda om: om[0].start)[1] if nxt else None
        rows.append([
            f"[{sig.name}]({md.rel(here, paths.sig(sig.id))})",
            md.badge("sig", sig.status.value),
            md.people(hub, sig.chairs),
            f"`#{sig.slack_channel}`",
            recurrence.next_inline(first, now) if first else "no meeting scheduled",
        ])
    return md.page(
        "Special Interest Groups",
        "SIGs are groups of experts and interested users who meet regularly on one topic and "
        "decide through RFCs. Anyone can join. Times are shown in your own time zone, with the "
        "organiser's beside them.",
        md.table(["SIG", "Status", "Chairs", "Slack", "Next meeting"], rows),
        subscribe(md.rel(here, paths.calendar("all")), "every community meeting"),
    )


def sig_page(hub: Hub, sig: Sig, now: dt.datetime) -> str:
    here = paths.sig(sig.id)
    facts = md.facts([
        ["Status", md.badge("sig", sig.status.value)],
        ["Chairs", md.people(hub, sig.chairs)],
        ["Tech leads", md.people(hub, sig.tech_leads)],
        ["RFC approvers", md.people(hub, sig.rfc_approvers)],
        ["Members", str(len(sig.members))],
        ["Slack", f"`#{sig.slack_channel}`"],
    ])
    meetings = []
    for m in sig.meetings:
        join = f" [Join the meeting]({m.url})" if m.url else ""
        meetings.append(f"### {m.title}\n\n{recurrence.summary(m)}{join}\n\n**Next meetings:**\n\n"
                        + recurrence.next_list(m, now, NEXT_MEETINGS))
    services = [f"- [{s.name}]({md.rel(here, paths.service(s.id))}) "
                f"{md.badge('maturity', s.maturity.value)}" for s in hub.services_of(sig.id)]
    rfcs = [f"- [RFC {r.number:04d}: {r.title}]({md.rel(here, paths.rfc(r.slug))}) "
            f"{md.badge('rfc', r.status.value)}" for r in hub.rfcs_of(sig.id)]
    return md.page(
        sig.name,
        sig.mission,
        facts,
        "## Meetings\n\n" + ("\n\n".join(meetings) or "This SIG has no regular meeting.")
        + "\n\n" + subscribe(md.rel(here, paths.calendar(sig.id)), "this SIG's meetings"),
        "## Services owned\n\n" + ("\n".join(services) or "None."),
        "## RFCs\n\n" + ("\n".join(rfcs) or "None yet."),
    )


def render(hub: Hub, now: dt.datetime) -> dict[str, str]:
    out = {paths.SIGS: index(hub, now)}
    for sig in hub.sigs:
        out[paths.sig(sig.id)] = sig_page(hub, sig, now)
    return out
