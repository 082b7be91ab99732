"""The roadmap page: the quarter as a board (a column per status, a card per item with its owner
and services), with what moved since the last ML Sync, then the same as a table."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mlhub import calendar
from mlhub.content.hub import Hub
from mlhub.content.models import RoadmapItem, RoadmapStatus
from mlhub.site import md, paths, requestlist, svg

PID = "mlhub-roadmap-board"
COL_W, CARD_H, GAP, PAD, HEAD = 190, 104, 10, 8, 30
ROADMAP_FILE = "community/roadmap.yaml"


@dataclass(frozen=True)
class Before:
    """The roadmap's statuses as of the last ML Sync (from the repository's history)."""

    sync: dt.date
    statuses: dict[str, str] = field(default_factory=dict)


def moves(hub: Hub, before: Before | None) -> dict[str, str]:
    """{item id: 'old → new' or 'new'} for what changed since the last Sync."""
    if before is None or hub.roadmap is None:
        return {}
    out = {}
    for item in hub.roadmap.items:
        old = before.statuses.get(item.id)
        if old is None:
            out[item.id] = "new"
        elif old != item.status.value:
            out[item.id] = f"{old} → {item.status.value}"
    return out


def last_sync(hub: Hub, now: dt.datetime) -> dt.datetime | None:
    """Start of the last ML Sync that has begun before now."""
    if hub.ceremonies is None:
        return None
    meeting = hub.ceremonies.ml_sync.meeting
    past = calendar.occurrences(meeting, now - dt.timedelta(days=120), now)
    return past[-1].start if past else None


def before_from_git(root: Path, hub: Hub, now: dt.datetime) -> Before | None:
    """The roadmap as committed when the last Sync began; None without history to compare."""
    start = last_sync(hub, now)
    if start is None:
        return None
    try:
        rev = _git(root, "rev-list", "-1", f"--before={start.isoformat()}", "HEAD", "--", ROADMAP_FILE)
        if not rev:
            return None
        data = yaml.safe_load(_git(root, "show", f"{rev}:{ROADMAP_FILE}")) or {}
    except (OSError, subprocess.SubprocessError, yaml.YAMLError):
        return None
    items = data.get("items") if isinstance(data, dict) else None
    statuses = {str(i.get("id")): str(i.get("status")) for i in items or [] if isinstance(i, dict)}
    return Before(start.date(), statuses)


def _git(root: Path, *args: str) -> str:
    res = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    if res.returncode != 0:
        raise subprocess.SubprocessError(res.stderr)
    return res.stdout.strip()


def board(hub: Hub, here: str, before: Before | None) -> str:
    rm = hub.roadmap
    if rm is None or not rm.items:
        return ""
    moved = moves(hub, before)
    statuses = [s for s in RoadmapStatus if s is not RoadmapStatus.dropped
                or any(i.status is s for i in rm.items)]
    cols = {s: [i for i in rm.items if i.status is s] for s in statuses}
    tallest = max(1, *(len(v) for v in cols.values()))
    width = 2 * PAD + len(statuses) * COL_W
    height = 2 * PAD + HEAD + tallest * (CARD_H + GAP)
    body = []
    for c, status in enumerate(statuses):
        x = PAD + c * COL_W
        body.append(svg.rect(x + 2, PAD, COL_W - 4, height - 2 * PAD, "mlhub-column", rx=6))
        body.append(svg.text(x + COL_W / 2, PAD + 20, f"{status.value} ({len(cols[status])})",
                             f"mlhub-axis mlhub-roadmap-{status.value}-text"))
        for r, item in enumerate(cols[status]):
            body.append(_card(hub, here, item, x + 8, PAD + HEAD + r * (CARD_H + GAP), moved.get(item.id)))
    since = (f"Moved since the ML Sync of {before.sync}: {len(moved)} item{'' if len(moved) == 1 else 's'}."
             if before else "No earlier roadmap in the repository's history to compare with.")
    desc = "; ".join(f"{s.value}: {', '.join(i.title for i in cols[s]) or 'none'}" for s in statuses)
    return svg.figure(PID, width, height, f"Roadmap {rm.quarter} as a board", f"{desc}. {since}", body,
                      caption=f"The quarter's items by status, with owner and services. {since}", interactive=True)


def _card(hub: Hub, here: str, item: RoadmapItem, x: float, y: float, moved: str | None) -> str:
    w = COL_W - 16
    owner = p.name if (p := hub.person(item.owner)) else item.owner
    services = [s for sid in item.services if (s := hub.service(sid))]
    parts = [svg.rect(x, y, w, CARD_H, "mlhub-card mlhub-card-moved" if moved else "mlhub-card", rx=4),
             svg.lines(x + 8, y + 17, svg.wrap(item.title, 23, 3), "mlhub-node-title", anchor="start", size=12),
             svg.text(x + 8, y + 68, owner, "mlhub-node-note", anchor="start", size=11)]
    if services:
        names = ", ".join(s.name for s in services)
        link = svg.link(md.href(here, paths.service(services[0].id)), f"Service: {names}",
                        svg.text(x + 8, y + 83, svg.wrap(names, 28, 1)[0], "mlhub-chip-link", anchor="start", size=11))
        parts.append(link)
    if moved:
        parts.append(svg.text(x + 8, y + 98, f"moved: {moved}" if moved != "new" else "new since the last Sync",
                              "mlhub-moved", anchor="start", size=11))
    return svg.group("".join(parts), item=item.id, status=item.status.value, moved=moved or "")


def page(hub: Hub, before: Before | None = None) -> str:
    here = paths.ROADMAP
    rm = hub.roadmap
    if rm is None:
        return md.page("Roadmap", "No roadmap yet.")
    moved = moves(hub, before)
    rows = []
    for item in rm.items:
        svcs = ", ".join(f"[{s.name}]({md.rel(here, paths.service(s.id))})"
                         for sid in item.services if (s := hub.service(sid)))
        rows.append([f'<span id="item-{md.attr(item.id)}">{md.plain(item.title)}</span>',
                     md.badge("roadmap", item.status.value), md.person(hub, item.owner), svcs,
                     requestlist.for_item(hub, here, item.id), moved.get(item.id, ""), item.notes])
    since = f"since the ML Sync of {before.sync}" if before else "since the last ML Sync"
    return md.page(f"Platform roadmap {rm.quarter}", rm.scope, board(hub, here, before),
                   md.table(["Item", "Status", "Owner", "Services", "Answers requests", f"Moved {since}", "Notes"],
                            rows))
