"""When a tutorial must run again: its code cells, the installed dependencies or the versions of
the services changed, a step it reads from changed (its key folds in theirs), or its record is too
old. Prose edits never trigger a run."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json

import nbformat

from mlhub.verify.record import Record


def code_hash(nb: nbformat.NotebookNode) -> str:
    code = [c.source.strip() for c in nb.cells if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()[:16]


def deps_hash() -> str:
    """A hash of every installed distribution and version: the environment the tutorials run in."""
    dists = sorted(f"{d.metadata['Name']}=={d.version}".lower() for d in importlib.metadata.distributions()
                   if d.metadata["Name"])
    return hashlib.sha256("\n".join(dists).encode()).hexdigest()[:16]


def cache_key(code: str, deps: str, mlflow_version: str, kfp_version: str, kfp_target: str,
              upstream: tuple[str, ...] = (), mlflow_target: str = "embedded") -> str:
    """The key of one step; `upstream` holds the keys of the steps it reads from, so a change
    anywhere before it changes its key too. `mlflow_target` (a profile or a server's URL): a
    record of the embedded profile says nothing about the platform profile's server."""
    parts = [code, deps, mlflow_version, kfp_version, kfp_target, *upstream]
    if mlflow_target != "embedded":  # the embedded profile's keys stay as they were
        parts.append(mlflow_target)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def reason_to_run(record: Record | None, key: str, now: dt.datetime, max_age: dt.timedelta) -> str | None:
    """Why the tutorial must run, or None when its record still holds."""
    if record is None:
        return "never verified"
    if record.status == "infra-error":
        return "the last run hit an infrastructure error"
    if record.cache_key != key:
        return "its code, the dependencies or the services changed"
    if now - record.started_at > max_age:
        return f"verified more than {max_age.days} days ago"
    return None


def merge_outputs(source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The current source (new prose) with the outputs of the executed copy, whose code is the same."""
    merged = nbformat.from_dict(json.loads(json.dumps(source)))
    ran = iter([c for c in executed.cells if c.cell_type == "code"])
    for cell in merged.cells:
        if cell.cell_type == "code":
            done = next(ran)
            cell.outputs, cell.execution_count = done.outputs, done.get("execution_count")
            cell.metadata = done.metadata
    return merged
