"""Feedback counted per page, pages readers keep getting blocked on, and the ML Sync summary."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from mlhub.feedback.model import Feedback

REPEATED = 3  # "blocked" answers on one page from which the tutorial status page flags it
FILE = "feedback-counts.json"  # in the state folder: what the site build reads


@dataclass(frozen=True)
class PageCount:
    helped: int = 0
    blocked: int = 0

    @property
    def total(self) -> int:
        return self.helped + self.blocked


def count(entries: Iterable[Feedback]) -> dict[str, PageCount]:
    out: dict[str, PageCount] = {}
    for f in entries:
        c = out.get(f.page, PageCount())
        out[f.page] = PageCount(c.helped + f.helped, c.blocked + (not f.helped))
    return out


def repeated_blocked(counts: Mapping[str, PageCount], at_least: int = REPEATED) -> list[str]:
    """Pages with at least `at_least` "blocked" answers, most blocked first."""
    return sorted((p for p, c in counts.items() if c.blocked >= at_least), key=lambda p: (-counts[p].blocked, p))


def summary(counts: Mapping[str, PageCount], titles: Mapping[str, str], limit: int = 5) -> list[str]:
    """Lines for the ML Sync agenda draft: the pages most blocked on, with their counts."""
    worst = sorted((p for p, c in counts.items() if c.blocked), key=lambda p: (-counts[p].blocked, p))[:limit]
    total = sum(c.total for c in counts.values())
    if not total:
        return []
    head = f"Reader feedback: {total} answer{'s' if total != 1 else ''}, " \
           f"{sum(c.blocked for c in counts.values())} blocked"
    return [head] + [f"{titles.get(p, p)}: {counts[p].blocked} blocked, {counts[p].helped} helped" for p in worst]


def save(folder: Path, counts: Mapping[str, PageCount]) -> Path:
    path = folder / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({p: asdict(c) for p, c in sorted(counts.items())}, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def load(folder: Path) -> dict[str, PageCount]:
    """The counts the bot last saved, or none when there are none (or the file is unreadable)."""
    try:
        data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        return {str(p): PageCount(int(c["helped"]), int(c["blocked"])) for p, c in data.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
