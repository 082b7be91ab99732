"""The ML Sync agenda draft: what changed in the repository since the last Sync (RFC states, new
demos, broken tutorials, service maturity, roadmap items), time-boxed to the meeting."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from mlhub.content.hub import Hub
from mlhub.requests import agenda as asks


@dataclass
class Snapshot:
    """The facts the agenda compares between two Syncs; stored by the bot after each draft."""

    rfcs: dict[str, str] = field(default_factory=dict)  # number -> status
    demos: list[str] = field(default_factory=list)  # slugs
    maturity: dict[str, str] = field(default_factory=dict)  # service -> maturity
    roadmap: dict[str, str] = field(default_factory=dict)  # item -> status
    requests: dict[str, str] | None = None  # request -> "status/teams"; None in snapshots from before requests

    def to_json(self) -> dict:
        return {"rfcs": self.rfcs, "demos": self.demos, "maturity": self.maturity, "roadmap": self.roadmap,
                "requests": self.requests}


def snapshot(hub: Hub) -> Snapshot:
    return Snapshot(
        rfcs={str(r.number): r.status.value for r in hub.rfcs},
        demos=[d.slug for d in hub.demos],
        maturity={s.id: s.maturity.value for s in hub.services},
        roadmap={i.id: i.status.value for i in hub.roadmap.items} if hub.roadmap else {},
        requests=asks.standing(hub),
    )


def changes(hub: Hub, before: Snapshot | None, broken: dict[str, str]) -> list[str]:
    """Agenda lines for what changed since `before`; `broken` maps tutorial id -> why it is broken."""
    before = before or snapshot(hub)
    lines = []
    for rfc in hub.rfcs:
        old = before.rfcs.get(str(rfc.number))
        if old != rfc.status.value:
            lines.append(f"RFC {rfc.number:04d} {rfc.title}: {old or 'new'} → {rfc.status.value}")
    for demo in hub.demos:
        if demo.slug not in before.demos:
            lines.append(f"New demo: {demo.title} ({demo.team}, {demo.date})")
    for tid, why in sorted(broken.items()):
        title = t.title if (t := hub.tutorial(tid)) else tid
        lines.append(f"Broken tutorial: {title}: {why}")
    for svc in hub.services:
        old = before.maturity.get(svc.id)
        if old and old != svc.maturity.value:
            lines.append(f"{svc.name}: {old} → {svc.maturity.value}")
    if hub.roadmap:
        for item in hub.roadmap.items:
            old = before.roadmap.get(item.id)
            if old and old != item.status.value:
                lines.append(f"Roadmap: {item.title}: {old} → {item.status.value}")
    return lines


def draft(hub: Hub, before: Snapshot | None, broken: dict[str, str], extra: list[str], minutes: int,
          when: str = "", feedback: list[str] | None = None, escape: Callable[[str], str] | None = None) -> str:
    """The agenda as a Slack message: roadmap snapshot, changes, registry news, the community's
    requests and reader feedback, team updates. Content text is escaped here (the requests' lines
    with `escape` when given); `extra` and `feedback` come escaped already."""
    rm = hub.roadmap
    counts: dict[str, int] = {}
    for item in rm.items if rm else []:
        counts[item.status.value] = counts.get(item.status.value, 0) + 1
    roadmap = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no roadmap"
    changed = [html.escape(line, quote=False) for line in changes(hub, before, broken)] + extra  # Slack markup
    box = max(5, minutes // 3)
    parts = [f"*ML Sync agenda draft*{f' for {when}' if when else ''} ({minutes} minutes)",
             f"1. Roadmap {rm.quarter if rm else ''} ({box} min): {roadmap}",
             f"2. Changes since the last Sync ({box} min):"]
    parts += [f"   • {line}" for line in changed] or ["   • nothing changed"]
    escape = escape or (lambda line: html.escape(line, quote=False))  # Slack markup
    requests = [escape(x) for x in asks.lines(hub, before.requests if before else None)]
    if requests or feedback:
        parts.append("   • What the community asks for (accept into the roadmap or decline with a reason):")
        parts += [f"      ◦ {line}" for line in requests + (feedback or [])]
    parts.append(f"3. Team updates ({minutes - 2 * box} min): add items with `/mlsync add`")
    return "\n".join(parts)
