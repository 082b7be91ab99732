"""Site rendering: render(hub) -> {path: text}, pure, so pages can be built and tested without mkdocs."""

from __future__ import annotations

import datetime as dt

from mlhub import calendar, schema
from mlhub.clusters.health import Report
from mlhub.content.hub import Hub
from mlhub.site import api, catalog, ceremonies, clusters, demos, paths, rfcs, sigs, tutorials
from mlhub.site.tutorials import Verification


def render(hub: Hub, now: dt.datetime, verification: Verification | None = None,
           health: Report | None = None) -> dict[str, str]:
    """Every generated file of the site, keyed by its path relative to docs/. Tutorials are the
    executed copies that verification left (never executed here); cluster health is the last
    saved check (never probed here)."""
    out: dict[str, str] = {}
    out |= tutorials.render(hub, verification)
    out |= catalog.render(hub)
    out |= clusters.render(hub, health, now)
    out |= sigs.render(hub, now)
    out |= ceremonies.render(hub, now)
    out |= demos.render(hub, verification)
    out |= rfcs.render(hub)
    out[paths.HUB_JSON] = api.hub_json(hub)
    for name, text in schema.schemas().items():
        out[f"api/schemas/{name}"] = text
    for name, text in calendar.feeds(hub).items():
        out[paths.calendar(name.removesuffix(".ics"))] = text
    return out
