"""The RFC lifecycle as a state diagram, drawn from the state machine that enforces it
(mlhub.rfc.lifecycle.EDGES), with how many RFCs are in each state now."""

from __future__ import annotations

from collections import Counter

from mlhub.content.hub import Hub
from mlhub.content.models import RfcStatus
from mlhub.rfc import lifecycle
from mlhub.site import svg

PID = "mlhub-rfc-lifecycle"
COL_W, ROW_H, NODE_W, NODE_H, PAD, ARC = 150, 62, 118, 40, 10, 46


def edges() -> list[tuple[RfcStatus, RfcStatus]]:
    """Every allowed move, in the order of the status enum."""
    return [(a, b) for a in RfcStatus for b in RfcStatus if b in lifecycle.EDGES[a]]


def ranks() -> dict[RfcStatus, int]:
    """Column of each state: the longest chain of forward moves from a draft. A move to a state
    earlier in the enum (back to review, or to a draft again) is a back edge and ranks nothing."""
    order = list(RfcStatus)
    rank = dict.fromkeys(RfcStatus, 0)
    for _ in order:  # relax: forward edges form a DAG, so len(order) passes settle it
        for a, b in edges():
            if order.index(b) > order.index(a):
                rank[b] = max(rank[b], rank[a] + 1)
    return rank


def kind(status: RfcStatus) -> str:
    if status in lifecycle.OPEN:
        return "open"
    if status in lifecycle.IN_FORCE:
        return "in-force"
    return "final" if not lifecycle.EDGES[status] else "waiting"


def picture(hub: Hub) -> str:
    rank = ranks()
    columns: dict[int, list[RfcStatus]] = {}
    for status in RfcStatus:
        columns.setdefault(rank[status], []).append(status)
    tallest = max(len(c) for c in columns.values())
    width = 2 * PAD + len(columns) * COL_W
    height = 2 * PAD + ARC + tallest * ROW_H
    pos = {}
    for r, states in columns.items():
        top = PAD + ARC + (tallest - len(states)) * ROW_H / 2
        for i, s in enumerate(states):
            pos[s] = (PAD + r * COL_W + (COL_W - NODE_W) / 2, top + i * ROW_H + (ROW_H - NODE_H) / 2)
    count = Counter(r.status for r in hub.rfcs)
    body = [svg.arrow_marker(PID)]
    for a, b in edges():
        body.append(svg.group(svg.path(_edge(pos[a], pos[b], rank[b] <= rank[a]), PID,
                                       "mlhub-edge mlhub-edge-back" if rank[b] <= rank[a] else "mlhub-edge"),
                              edge=f"{a.value} {b.value}"))
    for s, (x, y) in pos.items():
        n = count.get(s, 0)
        body.append(svg.group(
            svg.rect(x, y, NODE_W, NODE_H, f"mlhub-node mlhub-state-{kind(s)}", rx=NODE_H / 2)
            + svg.text(x + NODE_W / 2, y + 17, s.value, "mlhub-node-title")
            + svg.text(x + NODE_W / 2, y + 32, f"{n} RFC{'' if n == 1 else 's'}", "mlhub-node-note", size=11),
            state=s.value, rfcs=n))
    desc = "; ".join(f"{a.value} → {', '.join(b.value for b in sorted(lifecycle.EDGES[a], key=list(RfcStatus).index))}"
                     for a in RfcStatus if lifecycle.EDGES[a])
    return svg.figure(PID, width, height, "The RFC lifecycle", f"Allowed moves: {desc}.", body,
                      caption="How an RFC moves, drawn from the state machine that `mlhub rfc lint` and the bot "
                              "enforce, with the number of RFCs in each state. Dashed arrows go back.")


def _edge(a: tuple[float, float], b: tuple[float, float], back: bool) -> str:
    (ax, ay), (bx, by) = a, b
    if back:  # an arc over the top, from the top of one node to the top of the other
        sx, ex = ax + NODE_W / 2, bx + NODE_W / 2
        top = min(ay, by) - ARC + 6
        return f"M{sx:g},{ay:g} C{sx:g},{top:g} {ex:g},{top:g} {ex:g},{by - 2:g}"
    sx, sy, ex, ey = ax + NODE_W, ay + NODE_H / 2, bx - 2, by + NODE_H / 2
    mid = (sx + ex) / 2
    return f"M{sx:g},{sy:g} C{mid:g},{sy:g} {mid:g},{ey:g} {ex:g},{ey:g}"
