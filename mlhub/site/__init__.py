"""Site rendering: render(hub) -> {path: text}, pure, so pages can be built and tested without mkdocs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from mlhub import calendar, schema
from mlhub.clusters.health import Report
from mlhub.content.hub import Hub
from mlhub.feedback.counts import PageCount
from mlhub.site import (
    api,
    catalog,
    ceremonies,
    clusters,
    demos,
    goldenpath,
    paths,
    requestlist,
    rfcs,
    roadmap,
    sigs,
    tutorials,
)
from mlhub.site.tutorials import Verification

# <!-- mlhub:NAME --> on a line of its own in a hand-written page is replaced by the picture NAME,
# drawn for that page (elsewhere, e.g. in code that documents the marker, it stays as it is).
MARKER = re.compile(r"^<!-- mlhub:([a-z-]+) -->$", re.M)
PICTURES = {
    "golden-path": lambda hub, verification, here: goldenpath.picture(hub, verification, here),
    "lifecycle": lambda hub, verification, here: catalog.lifecycle_picture(hub, here),
}


def render(hub: Hub, now: dt.datetime, verification: Verification | None = None,
           roadmap_before: roadmap.Before | None = None, health: Report | None = None,
           feedback: Mapping[str, PageCount] | None = None) -> dict[str, str]:
    """Every generated file of the site, keyed by its path relative to docs/. Tutorials are the
    executed copies that verification left (never executed here); cluster health is the last
    saved check (never probed here); reader feedback is the counts the bot last saved."""
    out: dict[str, str] = {}
    out |= tutorials.render(hub, verification, feedback)
    out |= catalog.render(hub)
    out |= clusters.render(hub, health, now)
    out |= sigs.render(hub, now)
    out |= ceremonies.render(hub, now)
    out[paths.ROADMAP] = roadmap.page(hub, roadmap_before)
    out[paths.REQUESTS] = requestlist.page(hub)
    out |= demos.render(hub, verification)
    out |= rfcs.render(hub)
    out[paths.HUB_JSON] = api.hub_json(hub)
    for name, text in schema.schemas().items():
        out[f"api/schemas/{name}"] = text
    for name, text in calendar.feeds(hub).items():
        out[paths.calendar(name.removesuffix(".ics"))] = text
    return out


def pictures(markdown: str, hub: Hub, verification: Verification | None, here: str) -> str:
    """A hand-written page with its picture markers replaced; an unknown name is a ValueError."""
    def draw(m: re.Match) -> str:
        if m.group(1) not in PICTURES:
            raise ValueError(f"docs/{here}: unknown picture {m.group(1)!r}; known: {', '.join(PICTURES)}")
        return PICTURES[m.group(1)](hub, verification or Verification(), here)

    return MARKER.sub(draw, markdown)
