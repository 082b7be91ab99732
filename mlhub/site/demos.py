"""The demo archive: the community's figures, demos by date, and a page per demo."""

from __future__ import annotations

from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.content.models import Demo
from mlhub.site import md, paths


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
        md.table(["Date", "Demo", "Team", "Tools shown", "Recording"], rows),
    )


def demo_page(hub: Hub, demo: Demo, verification=None) -> str:
    here = paths.demo(demo.slug)
    services = [f"[{s.name}]({md.rel(here, paths.service(s.id))})"
                for sid in demo.services if (s := hub.service(sid))]
    facts = md.table(["", ""], [
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
