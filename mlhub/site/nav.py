"""Navigation: the generated index pages get their generated pages as children in the sidebar."""

from __future__ import annotations

from typing import Any

from mlhub.content.hub import Hub
from mlhub.site import paths


def sections(hub: Hub) -> dict[str, list[tuple[str, str]]]:
    """{index page: [(title, page), ...]} for every generated section."""
    return {
        paths.CATALOG: [("Clusters", paths.CLUSTERS),
                        *((s.name, paths.service(s.id)) for s in sorted(hub.services, key=lambda s: s.name))],
        paths.SIGS: [(s.name, paths.sig(s.id)) for s in hub.sigs],
        paths.DEMOS: [(d.title, paths.demo(d.slug)) for d in reversed(hub.demos)],
        paths.RFCS: [(f"{r.number:04d} {r.title}", paths.rfc(r.slug)) for r in hub.rfcs],
        paths.TUTORIALS: [(t.title, paths.tutorial(t.id)) for t in hub.tutorials],
    }


def expand(nav: list[Any], children: dict[str, list[tuple[str, str]]]) -> list[Any]:
    """Replace each `Title: index.md` entry whose page has children with a section
    `Title: [index.md, {child: page}, ...]` (material's navigation.indexes shows the index)."""
    out: list[Any] = []
    for entry in nav:
        if isinstance(entry, dict):
            (title, target), = entry.items()
            if isinstance(target, list):
                out.append({title: expand(target, children)})
            elif target in children and children[target]:
                out.append({title: [target, *({t: p} for t, p in children[target])]})
            else:
                out.append(entry)
        else:
            out.append(entry)
    return out
