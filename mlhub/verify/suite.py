"""Verify many tutorials: decide which must run, run them in parallel, keep the records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from mlhub.services.live import Live
from mlhub.verify import cache
from mlhub.verify.record import Record
from mlhub.verify.runner import Settings, base_fields, execute


@dataclass
class Outcome:
    records: dict[str, Record] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records.values() if r.status == "failed"]

    @property
    def infra_errors(self) -> list[Record]:
        return [r for r in self.records.values() if r.status == "infra-error"]


def tutorials(root: Path, names: list[str] | None = None, demos: bool = False) -> list[Path]:
    """The tutorial notebooks (and with demos=True the demos' notebooks), all or those named (by
    id, number or file name)."""
    every = sorted((root / "tutorials").glob("[0-9][0-9]-*.ipynb"))
    if demos:
        every += sorted((root / "demos").glob("*.ipynb"))
    if not names:
        return every
    chosen = []
    for name in names:
        stem = Path(name).stem
        match = [p for p in every if p.stem == stem or p.stem.split("-")[0] == stem]
        if not match:
            raise ValueError(f"no tutorial {name!r}; tutorials are {', '.join(p.stem for p in every)}")
        chosen += match
    return chosen


def verify(root: Path, out_dir: Path, live: Live, paths: list[Path], settings: Settings | None = None,
           force: bool = False, workers: int = 2, progress: Callable[[str], None] = print,
           now: dt.datetime | None = None) -> Outcome:
    now = now or dt.datetime.now(dt.UTC)
    settings = settings or Settings()
    base = base_fields(root, live)
    outcome = Outcome()
    todo: list[tuple[Path, str, str, Record | None]] = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        code = cache.code_hash(nb)
        key = cache.cache_key(code, base["deps_hash"], live.mlflow_version, live.kfp_version, live.kfp_target)
        previous = Record.load(out_dir, path.stem)
        reason = "--force" if force else cache.reason_to_run(previous, key, now, settings.max_age)
        executed_copy = out_dir / f"{path.stem}.ipynb"
        if reason is None and previous and executed_copy.is_file():
            # prose may have changed: keep the outputs, take the new text
            nbformat.write(cache.merge_outputs(nb, nbformat.read(executed_copy, as_version=4)), executed_copy)
            outcome.records[path.stem] = previous
            outcome.reused.append(path.stem)
            progress(f"  {path.stem}: unchanged, {previous.status} on {previous.started[:10]} (not run)")
            continue
        todo.append((path, code, key, previous, reason or "its executed copy is missing"))

    def run(item):
        path, code, key, previous, reason = item
        progress(f"  {path.stem}: running ({reason})")
        rec = execute(path, out_dir, live, settings, dict(base, code_hash=code, cache_key=key))
        if rec.status == "failed":
            was_broken = previous and previous.status == "failed" and previous.broken_since
            rec = replace(rec, broken_since=previous.broken_since if was_broken else rec.started)
            rec.save(out_dir)
        return rec

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run, item) for item in todo]
        for fut in as_completed(futures):
            rec = fut.result()
            outcome.records[rec.tutorial] = rec
            outcome.executed.append(rec.tutorial)
            progress(f"  {rec.tutorial}: {describe(rec)}")
    outcome.records = dict(sorted(outcome.records.items()))
    return outcome


def describe(rec: Record) -> str:
    if rec.status == "passed":
        return f"passed in {rec.duration_s:.1f} s"
    if rec.status == "infra-error":
        return f"INFRASTRUCTURE ERROR: {rec.error}"
    cell = rec.failing_cell
    where = f"cell {cell.index} ({cell.source!r})" if cell else "unknown cell"
    why = f"{cell.error}: {cell.message}" if cell else (rec.error or "")
    return f"FAILED at {where}: {why}" + (f" [{rec.error}]" if rec.error and cell else "")
