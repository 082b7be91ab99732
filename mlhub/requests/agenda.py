"""The ML Sync agenda's requests: the top requests by supporting teams, and those that moved
(new, more or fewer teams, or a new status) since the last Sync."""

from __future__ import annotations

from collections.abc import Mapping

from mlhub.content.hub import Hub
from mlhub.content.models import Request
from mlhub.requests import status
from mlhub.requests.tally import rank

TOP = 5


def standing(hub: Hub) -> dict[str, str]:
    """{request id: 'status/teams'}: what the agenda compares between two Syncs."""
    return {r.id: f"{r.status.value}/{len(r.tally.teams)}" for r in hub.requests}


def _teams(n: int) -> str:
    return f"{n} team{'s' if n != 1 else ''}"


def top(hub: Hub, n: int = TOP) -> list[Request]:
    """The open and planned requests most teams support."""
    return rank([r for r in hub.requests if r.status in status.SUPPORTABLE and r.duplicate_of is None])[:n]


def movers(hub: Hub, before: Mapping[str, str]) -> list[str]:
    """One line per request that is new or changed status or support since `before`."""
    out = []
    for r in rank(hub.requests):
        old = before.get(r.id)
        now = f"{r.status.value}/{len(r.tally.teams)}"
        if old is None:
            out.append(f"New request: {r.title} ({r.team}, {_teams(len(r.tally.teams))})")
        elif old != now:
            old_status, _, old_teams = old.partition("/")
            what = []
            if old_status != r.status.value:
                what.append(f"{old_status} → {r.status.value}")
            if old_teams != str(len(r.tally.teams)):
                what.append(f"{old_teams} → {_teams(len(r.tally.teams))}")
            out.append(f"{r.title}: {', '.join(what)}")
    return out


def lines(hub: Hub, before: Mapping[str, str] | None, n: int = TOP) -> list[str]:
    """The agenda's requests section: the top requests, then what moved (nothing on a first Sync)."""
    out = [f"Top request: {r.title} ({_teams(len(r.tally.teams))}, {r.status.value}; owner {r.sig})"
           for r in top(hub, n)]
    if before is not None:
        out += movers(hub, before)
    return out
