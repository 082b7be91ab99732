"""A content problem: which file, which field, what is wrong, and which check found it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    field: str
    message: str
    check: str = "schema"
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.field}" if self.field else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


class ContentError(Exception):
    """Raised by load() when the content has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} content problem(s):\n{lines}")


def loc_to_field(loc: tuple[int | str, ...]) -> str:
    """('sigs', 1, 'meetings', 0, 'tz') -> 'sigs[1].meetings[0].tz'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
