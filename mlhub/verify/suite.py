"""Verify the golden path as one chain, and the demos' notebooks beside it: decide what must run,
run the chain in order (each step seeing what the earlier ones made on the same MLflow server) and
the demos in parallel, and keep one record per notebook."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from mlhub.services.live import Live
from mlhub.verify import cache
from mlhub.verify.record import Record
from mlhub.verify.runner import Settings, base_fields, cleanup, execute, new_namespace

CHAIN_FILE = "chain.json"


@dataclass
class Outcome:
    records: dict[str, Record] = field(default_factory=dict)
    executed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Record]:
        return [r for r in self.records.values() if r.status in ("failed", "blocked")]

    @property
    def infra_errors(self) -> list[Record]:
        return [r for r in self.records.values() if r.status == "infra-error"]


@dataclass(frozen=True)
class Step:
    path: Path
    needs: tuple[str, ...]  # earlier tutorials whose outputs it reads (notebook metadata mlhub.needs)
    chained: bool  # a golden-path tutorial; demos stand alone

    @property
    def id(self) -> str:
        return self.path.stem


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


def plan(paths: list[Path]) -> list[Step]:
    """The steps in order, with what each needs; a need that is unknown or later is an error naming
    the notebook and its metadata field."""
    steps, seen = [], set()
    for path in paths:
        meta = nbformat.read(path, as_version=4).metadata.get("mlhub", {})
        needs = tuple(meta.get("needs", []))
        bad = [n for n in needs if n not in seen]
        if bad:
            raise ValueError(f"{path.parent.name}/{path.name}: metadata mlhub.needs names {', '.join(bad)}, "
                             "which is not an earlier tutorial")
        steps.append(Step(path, needs, chained=path.parent.name == "tutorials"))
        seen.add(path.stem)
    return steps


def keys(steps: list[Step], base: dict, live: Live) -> dict[str, tuple[str, str]]:
    """(code hash, cache key) per step; a step's key folds in the keys of the steps it needs."""
    out: dict[str, tuple[str, str]] = {}
    for step in steps:
        code = cache.code_hash(nbformat.read(step.path, as_version=4))
        upstream = tuple(out[n][1] for n in step.needs)
        out[step.id] = code, cache.cache_key(code, base["deps_hash"], live.mlflow_version, live.kfp_version,
                                             live.kfp_target, upstream, live.mlflow_target)
    return out


def _chain_namespace(out_dir: Path, live: Live, fresh: bool) -> tuple[str, str | None]:
    """(the namespace the chain's steps share, the one it replaces or None). A new one when the
    chain starts from its first step or the MLflow server changed."""
    path = out_dir / CHAIN_FILE
    known = json.loads(path.read_text()) if path.is_file() else {}
    if known.get("mlflow") == live.mlflow_uri and known.get("namespace") and not fresh:
        return known["namespace"], None
    namespace = new_namespace()
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"namespace": namespace, "mlflow": live.mlflow_uri}) + "\n")
    return namespace, known.get("namespace") if known.get("mlflow") == live.mlflow_uri else None


def verify(root: Path, out_dir: Path, live: Live, paths: list[Path], settings: Settings | None = None,
           force: bool = False, workers: int = 2, progress: Callable[[str], None] = print,
           now: dt.datetime | None = None) -> Outcome:
    now = now or dt.datetime.now(dt.UTC)
    settings = settings or Settings()
    base = base_fields(root, live)
    every = plan(tutorials(root, demos=any(p.parent.name == "demos" for p in paths)))
    key = keys(every, base, live)
    chosen = {p.stem for p in paths}
    reasons: dict[str, str] = {}
    for step in every:  # in order, so a step's needs are decided before it
        previous = Record.load(out_dir, step.id)
        reason = "--force" if force and step.id in chosen else cache.reason_to_run(previous, key[step.id][1], now,
                                                                                    settings.max_age)
        if reason is None and not (out_dir / f"{step.id}.ipynb").is_file():
            reason = "its executed copy is missing"
        rerun = [n for n in step.needs if n in reasons]
        if rerun and (reason is None or (previous and previous.code_hash == key[step.id][0] and not force)):
            reason = f"{', '.join(rerun)} runs again"  # its own code is the same: the steps it reads from
        if reason and (step.id in chosen or _needed_by(step.id, chosen, every)):
            reasons[step.id] = reason
    outcome = Outcome()
    for step in every:
        if step.id in chosen and step.id not in reasons:
            _reuse(step, out_dir, outcome, progress)
    chain = [s for s in every if s.chained and s.id in reasons]
    alone = [s for s in every if not s.chained and s.id in reasons]
    namespace, replaced = (_chain_namespace(out_dir, live, fresh=not chain[0].needs) if chain else ("", None))

    def run(step: Step, ns: str | None) -> Record:
        previous = Record.load(out_dir, step.id)
        blocked = [n for n in step.needs if (r := outcome.records.get(n) or Record.load(out_dir, n)) is None
                   or r.status != "passed"]
        fields = dict(base, code_hash=key[step.id][0], cache_key=key[step.id][1], needs=list(step.needs))
        if blocked:
            progress(f"  {step.id}: not run: it needs {', '.join(blocked)}, which did not pass")
            rec = Record(tutorial=step.id, status="blocked", started=dt.datetime.now(dt.UTC).isoformat(
                timespec="seconds"), duration_s=0.0, error=f"needs {', '.join(blocked)}, which did not pass",
                namespace=ns or "", **{k: v for k, v in fields.items() if k != "cache_key"})
            rec.save(out_dir)
            return rec
        progress(f"  {step.id}: running ({reasons[step.id]})")
        rec = execute(step.path, out_dir, live, settings, fields, namespace=ns)
        if rec.status == "failed":
            since = previous.broken_since if previous and previous.status == "failed" else None
            rec = replace(rec, broken_since=since or rec.started)
            rec.save(out_dir)
        return rec

    def finish(rec: Record) -> None:
        outcome.records[rec.tutorial] = rec
        outcome.executed.append(rec.tutorial)
        progress(f"  {rec.tutorial}: {describe(rec)}")

    def run_chain() -> None:
        for step in chain:
            finish(run(step, namespace))

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        lane = pool.submit(run_chain) if chain else None
        for fut in [pool.submit(run, step, None) for step in alone]:
            finish(fut.result())
        if lane:
            lane.result()
    if replaced and replaced != namespace:
        try:  # the previous chain's objects, now that a whole new chain stands on the server
            cleanup(live.mlflow_uri, replaced)
        except Exception as exc:  # noqa: BLE001 - an old namespace left behind is not a tutorial failure
            progress(f"  could not remove the previous chain's objects ({replaced}*): {exc}")
    outcome.records = dict(sorted(outcome.records.items()))
    return outcome


def _needed_by(sid: str, chosen: set[str], steps: list[Step]) -> bool:
    """Whether a chosen step needs `sid`, directly or through others."""
    todo, seen = [s for s in steps if s.id in chosen], set()
    by_id = {s.id: s for s in steps}
    while todo:
        step = todo.pop()
        for n in step.needs:
            if n == sid:
                return True
            if n not in seen:
                seen.add(n)
                todo.append(by_id[n])
    return False


def _reuse(step: Step, out_dir: Path, outcome: Outcome, progress) -> None:
    previous = Record.load(out_dir, step.id)
    assert previous is not None, "only a step with a record is reused"
    executed_copy = out_dir / f"{step.id}.ipynb"
    # prose may have changed: keep the outputs, take the new text
    nb = nbformat.read(step.path, as_version=4)
    nbformat.write(cache.merge_outputs(nb, nbformat.read(executed_copy, as_version=4)), executed_copy)
    outcome.records[step.id] = previous
    outcome.reused.append(step.id)
    progress(f"  {step.id}: unchanged, {previous.status} on {previous.started[:10]} (not run)")


def describe(rec: Record) -> str:
    if rec.status == "passed":
        return f"passed in {rec.duration_s:.1f} s"
    if rec.status == "infra-error":
        return f"INFRASTRUCTURE ERROR: {rec.error}"
    if rec.status == "blocked":
        return f"NOT RUN: {rec.error}"
    cell = rec.failing_cell
    where = f"cell {cell.index} ({cell.source!r})" if cell else "unknown cell"
    why = f"{cell.error}: {cell.message}" if cell else (rec.error or "")
    return f"FAILED at {where}: {why}" + (f" [{rec.error}]" if rec.error and cell else "")
