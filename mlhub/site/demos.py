"""The demo archive: the community's figures, demos by date, and a page per demo."""

from __future__ import annotations

from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.content.models import Demo
from mlhub.site import md, paths, svg

PID = "mlhub-demo-figures"


@dataclass(frozen=True)
class Figures:
    demos: int
    tools: int
    teams: int
    presenters: int

    def sentence(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (f"{n(self.demos, 'demo')} about {n(self.tools, 'tool')} "
                f"from {n(self.teams, 'team')}")


def figures(demos: list[Demo]) -> Figures:
    """Counts for the archive; tools and teams are compared case-insensitively."""
    return Figures(
        demos=len(demos),
        tools=len({t.strip().lower() for d in demos for t in d.tools}),
        teams=len({d.team.strip().lower() for d in demos}),
        presenters=len({p for d in demos for p in d.presenters}),
    )


def quarter(day) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def per_quarter(demos: list[Demo]) -> list[tuple[str, int]]:
    """Demos per quarter, every quarter from the first demo's to the last one's (empty ones too)."""
    if not demos:
        return []
    first, last = min(d.date for d in demos), max(d.date for d in demos)
    out = []
    year, q = first.year, (first.month - 1) // 3
    while (year, q) <= (last.year, (last.month - 1) // 3):
        label = f"{year}-Q{q + 1}"
        out.append((label, sum(1 for d in demos if quarter(d.date) == label)))
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
    return out


def picture(demos: list[Demo]) -> str:
    """The archive's figures and a bar per quarter."""
    fig, bars = figures(demos), per_quarter(demos)
    if not bars:
        return ""
    pad, tile_w, tile_h, chart_h, bar_w = 8, 150, 64, 150, 56
    slot = max(bar_w + 16, 72)
    width = max(4 * (tile_w + 10), len(bars) * slot) + 2 * pad
    height = pad + tile_h + 24 + chart_h + 40
    body = []
    for i, (n, word) in enumerate([(fig.demos, "demos"), (fig.tools, "tools"), (fig.teams, "teams"),
                                   (fig.presenters, "presenters")]):
        x = pad + i * (tile_w + 10)
        body.append(svg.group(
            svg.rect(x, pad, tile_w, tile_h, "mlhub-card")
            + svg.text(x + tile_w / 2, pad + 32, str(n), "mlhub-figure", size=26)
            + svg.text(x + tile_w / 2, pad + 52, word, "mlhub-node-note", size=12), figure=word, count=n))
    top, most = pad + tile_h + 24, max(c for _, c in bars)
    base = top + chart_h
    for i, (label, count) in enumerate(bars):
        bx = pad + i * slot + (slot - bar_w) / 2
        h = (chart_h - 20) * count / most if most else 0
        body.append(svg.group(
            svg.rect(bx, base - h, bar_w, h, "mlhub-bar", rx=2)
            + svg.text(bx + bar_w / 2, base - h - 5, str(count), "mlhub-node-note", size=12)
            + svg.text(bx + bar_w / 2, base + 16, label, "mlhub-axis-note", size=11), quarter=label, demos=count))
    body.append(f'<line x1="{pad}" y1="{base:g}" x2="{width - pad}" y2="{base:g}" class="mlhub-baseline"/>')
    desc = (f"{fig.demos} demos, {fig.tools} tools, {fig.teams} teams, {fig.presenters} presenters. Demos per "
            f"quarter: " + ", ".join(f"{q}: {c}" for q, c in bars) + ".")
    return svg.figure(PID, width, height, "The demo archive in figures", desc, body,
                      caption="Demos, tools, teams and presenters so far, and the demos of each quarter.")


def index(hub: Hub) -> str:
    here = paths.DEMOS
    fig = figures(hub.demos)
    rows = [[
        d.date.isoformat(),
        f"[{d.title}]({md.rel(here, paths.demo(d.slug))})",
        d.team,
        ", ".join(d.tools),
        f"[recording]({d.recording})" if d.recording else "coming soon",
    ] for d in reversed(hub.demos)]
    return md.page(
        "Community demo archive",
        f"**{fig.sentence()}**, given by {fig.presenters} presenters at the ML Community "
        "Sessions. Every demo is recorded; each entry is one file in `demos/`.",
        picture(hub.demos),
        md.table(["Date", "Demo", "Team", "Tools shown", "Recording"], rows),
    )


def demo_page(hub: Hub, demo: Demo, verification=None) -> str:
    here = paths.demo(demo.slug)
    services = [f"[{s.name}]({md.rel(here, paths.service(s.id))})"
                for sid in demo.services if (s := hub.service(sid))]
    facts = md.facts([
        ["Date", demo.date.isoformat()],
        ["Presenters", md.people(hub, demo.presenters)],
        ["Team", demo.team],
        ["Tools shown", ", ".join(demo.tools)],
        ["Platform services", ", ".join(services) or "none"],
        ["Recording", f"[watch]({demo.recording})" if demo.recording else "coming soon"],
    ])
    links = "\n".join(f"- [{link.title}]({link.url})" for link in demo.links)
    notebook = ""
    if demo.notebook:
        from mlhub.site.tutorials import banner

        rec = verification.records.get(demo.notebook.removesuffix(".ipynb")) if verification else None
        notebook = (f"## Run it yourself\n\n{banner(rec)}\n\n"
                    f"[Download the notebook]({demo.notebook}) and run it against the platform.")
    return md.page(demo.title, facts, demo.body.strip(), notebook, "## Links\n\n" + links if links else "")


def render(hub: Hub, verification=None) -> dict[str, str]:
    import nbformat

    out = {paths.DEMOS: index(hub)}
    for demo in hub.demos:
        out[paths.demo(demo.slug)] = demo_page(hub, demo, verification)
        if demo.notebook:  # the executed copy when there is one, else the source
            stem = demo.notebook.removesuffix(".ipynb")
            nb = verification.executed.get(stem) if verification else None
            out[f"demos/{demo.notebook}"] = nbformat.writes(nb) if nb is not None else \
                (hub.root / "demos" / demo.notebook).read_text(encoding="utf-8")
    return out
