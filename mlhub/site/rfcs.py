"""The decision log: RFCs by status and by SIG, and a page per RFC with its decision block."""

from __future__ import annotations

from mlhub.content.hub import Hub
from mlhub.content.models import Rfc, RfcStatus
from mlhub.site import md, paths, rfcstates


def _row(hub: Hub, here: str, r: Rfc) -> list[str]:
    return [
        f"{r.number:04d}",
        f"[{r.title}]({md.rel(here, paths.rfc(r.slug))})",
        md.badge("rfc", r.status.value),
        f"[{r.owning_sig}]({md.rel(here, paths.sig(r.owning_sig))})",
        md.people(hub, r.authors),
        (r.decision.decided.isoformat() if r.decision and r.decision.decided else r.created.isoformat()),
    ]


def index(hub: Hub) -> str:
    here = paths.RFCS
    headers = ["RFC", "Title", "Status", "SIG", "Authors", "Decided or created"]
    by_status = []
    for status in RfcStatus:
        group = [r for r in hub.rfcs if r.status is status]
        if group:
            by_status.append(f"### {status.value.capitalize()}\n\n"
                             + md.table(headers, (_row(hub, here, r) for r in group)))
    by_sig = []
    for sig in hub.sigs:
        group = hub.rfcs_of(sig.id)
        if group:
            by_sig.append(f"### {sig.name}\n\n" + md.table(headers, (_row(hub, here, r) for r in group)))
    return md.page(
        "Decision log",
        "Every decision of the community, recorded as an RFC in `rfcs/`. How RFCs are filed, "
        "reviewed and decided: the process in `rfcs/README.md`.",
        rfcstates.picture(hub),
        "## By status\n\n" + ("\n".join(by_status) or "No RFC yet."),
        "## By SIG\n\n" + ("\n".join(by_sig) or "No RFC yet."),
    )


def _link(hub: Hub, here: str, num: int) -> str:
    other = hub.rfc(num)
    return f"[RFC {num:04d}]({md.rel(here, paths.rfc(other.slug))})" if other else f"RFC {num:04d}"


def decision_block(hub: Hub, rfc: Rfc) -> str:
    d = rfc.decision
    if d is None:
        return ""
    rows = [["Disposition", d.disposition.value]]
    if d.chosen_option:
        rows.append(["Chosen option", f"`{d.chosen_option}`"])
    if d.fcp_start and d.fcp_end:
        rows.append(["Final comment period", f"{d.fcp_start:%Y-%m-%d %H:%M %z} to {d.fcp_end:%Y-%m-%d %H:%M %z}"])
    rows.append(["Signed off by", md.people(hub, d.signoffs)])
    for c in d.concerns:
        state = f"resolved {c.resolved}" if c.resolved else "open"
        rows.append([f"Concern `{c.name}`", f"raised by {md.person(hub, c.by)} on {c.raised}"
                     f"{' (blocking)' if c.blocking else ''}, {state}"])
    if d.decided:
        rows.append(["Decided", d.decided.isoformat()])
    summary = f"\n\n> {d.summary}" if d.summary else ""
    return "## Decision record\n\n" + md.facts(rows) + summary


def rfc_page(hub: Hub, rfc: Rfc) -> str:
    here = paths.rfc(rfc.slug)
    sigs = [f"[{s}]({md.rel(here, paths.sig(s))})" for s in [rfc.owning_sig, *rfc.participating_sigs]]
    affects = [f"[{s.name}]({md.rel(here, paths.service(s.id))}) → {a.maturity.value}"
               for a in rfc.affects if (s := hub.service(a.service))]
    rows = [
        ["Status", md.badge("rfc", rfc.status.value)],
        ["Type", rfc.type.value],
        ["SIGs", ", ".join(sigs)],
        ["Authors", md.people(hub, rfc.authors)],
        ["Shepherd", md.person(hub, rfc.shepherd) if rfc.shepherd else "not yet"],
        ["Created", rfc.created.isoformat() + (f", updated {rfc.updated}" if rfc.updated else "")],
        ["Affects", ", ".join(affects) or "no catalog service"],
    ]
    if rfc.options:
        rows.append(["Options", ", ".join(f"`{o}`" for o in rfc.options)])
    if rfc.review_by:
        rows.append(["Review by", rfc.review_by.isoformat()])
    if rfc.supersedes:
        rows.append(["Supersedes", ", ".join(_link(hub, here, n) for n in rfc.supersedes)])
    if rfc.superseded_by:
        rows.append(["Superseded by", ", ".join(_link(hub, here, n) for n in rfc.superseded_by)])
    disc = rfc.discussion
    links = [f"[pull request]({disc.pull_request})" if disc.pull_request else "",
             f"[Slack thread]({disc.slack_thread})" if disc.slack_thread else "",
             *(f"`{m}`" for m in disc.meetings)]
    if any(links):
        rows.append(["Discussion", ", ".join(x for x in links if x)])
    return md.page(f"RFC {rfc.number:04d}: {rfc.title}", md.facts(rows),
                   decision_block(hub, rfc), rfc.body.strip())


def render(hub: Hub) -> dict[str, str]:
    out = {paths.RFCS: index(hub)}
    for rfc in hub.rfcs:
        out[paths.rfc(rfc.slug)] = rfc_page(hub, rfc)
    return out
