"""Execute one tutorial as a user would, through pytest-notebook's notebook client, in its own
working folder; a chain's steps share one namespace and keep what they made for the steps after
them, a standalone notebook gets its own and its objects are removed when it ends."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError

with warnings.catch_warnings():  # pytest-notebook warns at import about one of its own dataclasses
    warnings.simplefilter("ignore", UserWarning)
    from pytest_notebook.execution import CoverageNotebookClient

from mlhub.services.live import Live
from mlhub.verify import cache, parts
from mlhub.verify.record import FailingCell, Record


@dataclass(frozen=True)
class Settings:
    budget_s: float = 300.0  # per tutorial
    max_age: dt.timedelta = dt.timedelta(days=7)


def git_commit(root: Path) -> str:
    res = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True)
    return res.stdout.strip() if res.returncode == 0 else "unknown"


def _cell_seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    return round((dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
                  - dt.datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds(), 3)


def _failing_cell(nb) -> FailingCell | None:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return FailingCell(index, out.get("ename", "Error"), out.get("evalue", ""),
                                   cell.source.splitlines()[0][:120] if cell.source else "")
    return None


def cleanup(uri: str, namespace: str) -> None:
    """Remove the experiments and registered models a run created (they all carry its prefix)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    for model in client.search_registered_models(filter_string=f"name LIKE '{namespace}%'"):
        client.delete_registered_model(model.name)
    for exp in client.search_experiments(filter_string=f"name LIKE '{namespace}%'"):
        client.delete_experiment(exp.experiment_id)


def new_namespace() -> str:
    return f"verify-{uuid.uuid4().hex[:8]}-"


def execute(path: Path, out_dir: Path, live: Live, settings: Settings, base: dict,
            namespace: str | None = None) -> Record:
    """Run one notebook; write its executed copy and its record into out_dir; return the record.
    With a namespace (a chain's), what it creates stays; without, it is removed afterwards."""
    tutorial = path.stem
    source = nbformat.read(path, as_version=4)
    keep = namespace is not None
    namespace = namespace or new_namespace()
    calls_before = len(live.kube_double.calls) if live.kube_double is not None else 0
    started = dt.datetime.now(dt.UTC)
    rec = Record(tutorial=tutorial, status="passed", started=started.isoformat(timespec="seconds"),
                 duration_s=0.0, namespace=namespace, **base)
    work = out_dir / "work" / f"{tutorial}-{namespace.strip('-')}"
    work.mkdir(parents=True, exist_ok=True)
    if live.mlflow_uri.startswith("http") and (down := live.down()):
        rec.status, rec.error = "infra-error", f"not run: {'; '.join(down)}"
        rec.save(out_dir)
        return rec
    nb = nbformat.from_dict(source)
    # a notebook may ask for more time than the default (a training job installs PyTorch first)
    budget = max(settings.budget_s, float(source.metadata.get("mlhub", {}).get("budget_s", 0)))
    deadline = time.monotonic() + budget
    client = CoverageNotebookClient(
        nb, timeout=int(budget), allow_errors=False, record_timing=True,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        resources={"metadata": {"path": str(work)}}, coverage=False,
    )
    # the inline backend, as in Jupyter: a tutorial's plots become image outputs of the executed copy
    env = {**os.environ, **live.env(), "MLHUB_NAMESPACE": namespace,
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    t0 = time.monotonic()
    kernel_log = open(work / "kernel.log", "wb")  # noqa: SIM115 - the kernel's own log, kept with its files
    try:
        client.execute(env=env, cwd=str(work), stderr=kernel_log, stdout=kernel_log)
    except CellTimeoutError:
        rec.status, rec.error = "failed", f"ran out of its {budget:.0f} s budget"
        rec.failing_cell = _running_cell(nb)
    except CellExecutionError:
        rec.status = "failed"
        rec.failing_cell = _failing_cell(nb)
    except Exception as exc:  # kernel did not start, port taken, ...: not the tutorial's fault
        rec.status, rec.error = "infra-error", f"{type(exc).__name__}: {exc}"
    finally:
        kernel_log.close()
    if rec.status == "failed" and (down := live.down()):
        # a service stopped under it: the tutorial is not broken, and it runs again next time
        rec.status, rec.error = "infra-error", f"interrupted: {'; '.join(down)}"
    rec.duration_s = round(time.monotonic() - t0, 3)
    rec.cells_s = [_cell_seconds(c) for c in nb.cells if c.cell_type == "code"]
    interrupted = rec.error if rec.status == "infra-error" else None
    rec.parts = [p.as_dict() for p in parts.stamps(nb, evidence(live, calls_before), interrupted)]
    nb.metadata.setdefault("mlhub", {}).update(verified=rec.started, status=rec.status)
    nbformat.write(nb, out_dir / f"{tutorial}.ipynb")
    if not keep:
        try:
            cleanup(live.mlflow_uri, namespace)
        except Exception as exc:  # cleaning up must not hide the tutorial's own result
            rec.error = (rec.error or "") + f" (cleanup failed: {exc})"
    # keep the files of the latest run (compiled pipelines, manifests) for people and tests to inspect
    kept = out_dir / "artifacts" / tutorial
    shutil.rmtree(kept, ignore_errors=True)
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(work), kept)
    rec.save(out_dir)
    return rec


def _running_cell(nb) -> FailingCell | None:
    """The cell that was running when the budget ran out: the first code cell without a reply."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "shell.execute_reply" not in cell.metadata.get("execution", {}):
            return FailingCell(index, "Timeout", "the tutorial's time budget ran out here",
                               cell.source.splitlines()[0][:120] if cell.source else "")
    return None


def evidence(live: Live, calls_before: int) -> parts.Evidence:
    """What the services saw of this tutorial: the kinds the Kubernetes double accepted since it began."""
    accepted = {}
    if live.kube_double is not None:
        from tests.fakes.kube import RESOURCES  # the double is on sys.path when it runs

        schemas = {r.kind: r.schema_source for r in RESOURCES.values()}
        for call in live.kube_double.calls[calls_before:]:
            # 409 AlreadyExists comes after the schema and the webhooks passed the body: checked all the same
            if call.method == "POST" and call.status in (201, 409) and call.kind:
                accepted[call.kind] = schemas[call.kind] + ("" if call.status == 201 else
                                                             " (the name existed already: the body was checked)")
    where = "kfp.local" if live.kfp_target == "local" else live.kfp_target
    return parts.Evidence(mlflow=f"MLflow {live.mlflow_version}",
                          kfp=f"Kubeflow Pipelines {live.kfp_version} ({where})",
                          kfp_cluster=live.kfp_host, kube=live.kube_target, accepted=accepted)


def base_fields(root: Path, live: Live) -> dict:
    return dict(mlflow_version=live.mlflow_version, mlflow_target=live.mlflow_target,
                kfp_version=live.kfp_version, kfp_target=live.kfp_target, python=platform.python_version(),
                deps_hash=cache.deps_hash(), git_commit=git_commit(root), kube_target=live.kube_target)
