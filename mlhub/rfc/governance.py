"""Which decisions govern a service: RFCs whose `affects` names it, following supersede chains."""

from __future__ import annotations

from mlhub.content.hub import Hub
from mlhub.content.models import Rfc
from mlhub.rfc.lifecycle import IN_FORCE


def affecting(hub: Hub, service_id: str) -> list[Rfc]:
    """Every RFC that names the service in `affects`, whatever its status."""
    return [r for r in hub.rfcs if any(a.service == service_id for a in r.affects)]


def current(hub: Hub, rfc: Rfc) -> Rfc:
    """Follow superseded_by links to the decision now in force (cycles are a lint error)."""
    seen = {rfc.number}
    while rfc.superseded_by:
        nxt = hub.rfc(rfc.superseded_by[-1])
        if nxt is None or nxt.number in seen:
            break
        seen.add(nxt.number)
        rfc = nxt
    return rfc


def governing(hub: Hub, service_id: str) -> list[Rfc]:
    """The decisions in force for a service, newest first, each reached through its chain."""
    found: dict[int, Rfc] = {}
    for rfc in affecting(hub, service_id):
        head = current(hub, rfc)
        if head.status in IN_FORCE:
            found[head.number] = head
    return sorted(found.values(), key=lambda r: (r.decision.decided if r.decision and r.decision.decided
                                                  else r.created), reverse=True)
