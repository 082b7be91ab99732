"""Named content checks: a registry of small checks, each yielding every problem it finds. The
registry imports none of the checks (so check modules import it without a cycle); the modules
listed in BUILTIN register theirs when registry() first loads them."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.content.models import Model
from mlhub.content.problems import Problem, Severity

CheckFn = Callable[[Hub, dt.datetime], Iterable[Problem]]


@dataclass(frozen=True)
class Check:
    name: str
    doc: str
    fn: CheckFn


REGISTRY: dict[str, Check] = {}
BUILTIN = ("mlhub.checks.content", "mlhub.checks.clusters", "mlhub.checks.requests",  # modules whose checks
           "mlhub.rfc.lint")  # register on import

# Problems found while reading files, before any named check runs.
LOADER_CHECKS = {
    "files": "Files are UTF-8, at most 256 KiB, safe YAML without duplicate keys, and well named.",
    "schema": "Every field has the right type, enum value or date; unknown keys are errors.",
}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check under a name; its docstring is what `mlhub validate --list-checks` shows."""

    def wrap(fn: CheckFn) -> CheckFn:
        REGISTRY[name] = Check(name, (fn.__doc__ or "").strip(), fn)
        return fn

    return wrap


def problem(obj: Model, field: str, message: str, name: str, severity: Severity = "error") -> Problem:
    path, loc = obj.at(field)
    return Problem(path, loc, message, name, severity)


def registry() -> dict[str, Check]:
    """Every registered check, the built-in check modules loaded."""
    for module in BUILTIN:
        importlib.import_module(module)
    return REGISTRY


def run(hub: Hub, now: dt.datetime, only: Iterable[str] | None = None) -> list[Problem]:
    names = list(only) if only else list(registry())
    out: list[Problem] = []
    for name in names:
        out.extend(REGISTRY[name].fn(hub, now))
    return out
