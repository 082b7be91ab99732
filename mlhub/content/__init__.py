"""Content as data: the one loader that the site, the bot and verification all read through."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mlhub.content.hub import Hub
from mlhub.content.problems import ContentError, Problem

__all__ = ["ContentError", "Hub", "Problem", "load", "validate"]


def validate(root: Path, now: dt.datetime | None = None) -> tuple[Hub, list[Problem]]:
    """Read all content and run every named check; return the hub and every problem, sorted."""
    from mlhub import checks
    from mlhub.content.loader import read

    now = now or dt.datetime.now(dt.UTC)
    hub, problems = read(root)
    problems += checks.run(hub, now)
    return hub, sorted(set(problems), key=lambda p: (p.path, p.field, p.message))


def load(root: Path, now: dt.datetime | None = None) -> Hub:
    """The validated Hub; raises ContentError naming every file and field that is wrong."""
    hub, problems = validate(root, now)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return hub
