"""Where each page comes from in the repository: the data file behind a generated page, or the
hand-written page itself. Edit links and last-updated dates follow it."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from mlhub.content.hub import Hub
from mlhub.site import paths


def sources(hub: Hub) -> dict[str, str]:
    """{generated page: repository path of what to edit to change it}. A path ending in `/` is a
    folder: the page is made from every file in it."""
    out = {
        paths.CATALOG: "catalog/",
        paths.SIGS: "community/sigs.yaml",
        paths.CEREMONIES: "community/ceremonies.yaml",
        paths.ROADMAP: "community/roadmap.yaml",
        paths.REQUESTS: "requests/",
        paths.MINUTES: "docs/ml-sync/",
        paths.DEMOS: "demos/",
        paths.RFCS: "rfcs/",
        paths.TUTORIALS: "tutorials/",
    }
    out |= {paths.service(s.id): f"catalog/{s.id}.yaml" for s in hub.services}
    out |= {paths.sig(s.id): "community/sigs.yaml" for s in hub.sigs}
    out |= {paths.demo(d.slug): f"demos/{d.slug}.md" for d in hub.demos}
    out |= {paths.rfc(r.slug): f"rfcs/{r.slug}.md" for r in hub.rfcs}
    out |= {paths.tutorial(t.id): f"tutorials/{t.path.name}" for t in hub.tutorials}
    out |= {f"demos/{d.notebook}": f"demos/{d.notebook}" for d in hub.demos if d.notebook}
    return out


def edit_url(repo_url: str, edit_uri: str, docs_dir: str, source: str) -> str:
    """The repository's edit page of a file (or its listing, for a folder). `edit_uri` is mkdocs'
    setting, relative to docs_dir (e.g. `edit/main/docs/`); sources are relative to the root."""
    base = edit_uri.rstrip("/").removesuffix(Path(docs_dir).name).rstrip("/")
    if source.endswith("/"):
        base = base.replace("edit/", "tree/", 1)
    return f"{repo_url.rstrip('/')}/{base}/{source}"


def parse_log(text: str) -> dict[str, dt.date]:
    """{path: date of the newest commit that touched it} from `git log --format=%x00%cs --name-only`
    (newest first); every folder holding a path gets the newest date below it, as `folder/`."""
    out: dict[str, dt.date] = {}
    for block in text.split("\0")[1:]:
        head, _, names = block.partition("\n")
        day = dt.date.fromisoformat(head.strip())
        for name in filter(None, (n.strip() for n in names.splitlines())):
            parts = name.split("/")
            for key in ["/".join(parts[:i]) + "/" for i in range(1, len(parts))] + [name]:
                out.setdefault(key, day)
    return out


def last_changed(root: Path) -> dict[str, dt.date]:
    """Dates from git; empty outside a git checkout (a copy of the content still builds)."""
    try:
        res = subprocess.run(["git", "log", "--format=%x00%cs", "--name-only", "--no-renames", "--relative", "HEAD"],
                             cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    return parse_log(res.stdout) if res.returncode == 0 else {}
