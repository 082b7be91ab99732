"""The decision log: RFCs grouped by status, and a page per RFC."""

from __future__ import annotations

from mlhub.content.hub import Hub
from mlhub.content.models import Rfc, RfcStatus
from mlhub.site import md, paths


def index(hub: Hub) -> str:
    here = paths.RFCS
    sections = []
    for status in RfcStatus:
        group = [r for r in hub.rfcs if r.status is status]
        if not group:
            continue
        rows = [[
            f"{r.number:04d}",
            f"[{r.title}]({md.rel(here, paths.rfc(r.slug))})",
            f"[{r.owning_sig}]({md.rel(here, paths.sig(r.owning_sig))})",
            md.people(hub, r.authors),
            r.created.isoformat(),
        ] for r in group]
        sections.append(f"## {md.badge('rfc', status.value)} {status.value.capitalize()}\n\n"
                        + md.table(["RFC", "Title", "SIG", "Authors", "Created"], rows))
    return md.page(
        "Decision log",
        "Every decision of the community, recorded as an RFC in `rfcs/`, grouped by status.",
        *(sections or ["No RFC yet."]),
    )


def rfc_page(hub: Hub, rfc: Rfc) -> str:
    here = paths.rfc(rfc.slug)
    sigs = [f"[{s}]({md.rel(here, paths.sig(s))})" for s in [rfc.owning_sig, *rfc.participating_sigs]]
    governs = [f"[{s.name}]({md.rel(here, paths.service(s.id))})"
               for s in hub.services if rfc.number in s.rfcs]
    facts = md.table(["", ""], [
        ["Status", md.badge("rfc", rfc.status.value)],
        ["SIGs", ", ".join(sigs)],
        ["Authors", md.people(hub, rfc.authors)],
        ["Created", rfc.created.isoformat()],
        ["Governs", ", ".join(governs) or "no catalog service"],
    ])
    return md.page(f"RFC {rfc.number:04d}: {rfc.title}", facts, rfc.body.strip())


def render(hub: Hub) -> dict[str, str]:
    out = {paths.RFCS: index(hub)}
    for rfc in hub.rfcs:
        out[paths.rfc(rfc.slug)] = rfc_page(hub, rfc)
    return out
