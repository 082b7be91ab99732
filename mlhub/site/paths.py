"""Where each generated page lives in the site, so that every page links to the others alike."""

from __future__ import annotations

CATALOG = "catalog/index.md"
SIGS = "community/sigs/index.md"
CEREMONIES = "community/ceremonies.md"
ROADMAP = "community/roadmap.md"
REQUESTS = "community/requests.md"
MINUTES = "community/ml-sync.md"
DEMOS = "demos/index.md"
RFCS = "rfcs/index.md"
HUB_JSON = "api/hub.json"
TUTORIALS = "tutorials/index.md"
CLUSTERS = "clusters/index.md"


def service(sid: str) -> str:
    return f"catalog/{sid}.md"


def sig(sid: str) -> str:
    return f"community/sigs/{sid}.md"


def demo(slug: str) -> str:
    return f"demos/{slug}.md"


def rfc(slug: str) -> str:
    return f"rfcs/{slug}.md"


def calendar(name: str) -> str:
    return f"calendars/{name}.ics"


def tutorial(tid: str) -> str:
    return f"tutorials/{tid}.ipynb"
