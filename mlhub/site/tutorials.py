"""Tutorial pages: the executed copy of each notebook with a "verified against" stamp or a
"broken" banner, and a status page. Nothing is executed here: verification did that."""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field

import nbformat

from mlhub.content.hub import Hub, Tutorial
from mlhub.site import md, paths
from mlhub.verify.record import Record


@dataclass
class Verification:
    """What verification left: records and executed notebooks, by tutorial id."""

    records: dict[str, Record] = field(default_factory=dict)
    executed: dict[str, nbformat.NotebookNode] = field(default_factory=dict)


def _kfp(rec: Record) -> str:
    where = "kfp.local" if rec.kfp_target == "local" else rec.kfp_target
    return f"Kubeflow Pipelines {rec.kfp_version} ({where})"


def banner(rec: Record | None) -> str:
    """The HTML admonition at the top of a tutorial page."""
    if rec is None:
        kind, title = "warning", "Not verified yet"
        text = "This tutorial has not been executed against the live services yet; run `mlhub verify`."
    elif rec.status == "passed":
        kind, title = "success", "Verified"
        text = (f"Verified against MLflow {rec.mlflow_version} and {_kfp(rec)} on {rec.started[:10]} "
                f"in {rec.duration_s:.0f} s (Python {rec.python}, commit {rec.git_commit}).")
    elif rec.status == "failed":
        kind, title = "failure", f"Broken since {(rec.broken_since or rec.started)[:10]}"
        cell = rec.failing_cell
        what = (f"cell {cell.index} failed with {cell.error}: {cell.message}" if cell else rec.error or "it failed")
        text = (f"The last verification on {rec.started[:10]} against MLflow {rec.mlflow_version} and "
                f"{_kfp(rec)}: {what}. The platform team has been told; the outputs below show where.")
    else:
        kind, title = "warning", "Could not be verified"
        text = f"The last verification on {rec.started[:10]} hit an infrastructure problem: {rec.error}."
    return (f'<div class="admonition {kind} mlhub-verification"><p class="admonition-title">{title}</p>'
            f"<p>{html.escape(text)}</p></div>")


def notebook(tut: Tutorial, verification: Verification) -> str:
    """The notebook the site shows (and offers for download): the executed copy when there is
    one, else the source, with the verification banner as its first cell."""
    rec = verification.records.get(tut.id)
    nb = verification.executed.get(tut.id)
    nb = copy.deepcopy(nb) if nb is not None else nbformat.read(tut.path, as_version=4)
    stamp = nbformat.v4.new_markdown_cell(banner(rec))
    stamp.id = "mlhub-verification"
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, stamp)
    return nbformat.writes(nb)


def status_page(hub: Hub, verification: Verification) -> str:
    here = paths.TUTORIALS
    rows = []
    for tut in hub.tutorials:
        rec = verification.records.get(tut.id)
        services = ", ".join(f"[{s.name}]({md.rel(here, paths.service(s.id))})" for s in hub.services_using(tut.id))
        status = md.badge("verify", rec.status) if rec else md.badge("verify", "unverified")
        rows.append([f"[{tut.title}]({md.rel(here, paths.tutorial(tut.id))})", status,
                     f"{rec.duration_s:.0f} s" if rec else "", rec.started[:16].replace("T", " ") if rec else "",
                     services])
    passed = sum(1 for t in hub.tutorials if (r := verification.records.get(t.id)) and r.status == "passed")
    return md.page(
        "Tutorials",
        "The golden path, one notebook per step, in reading order. Every tutorial is executed "
        "against live services (an MLflow tracking server and Kubeflow Pipelines); each page says "
        "what it was verified against, or that it is broken.",
        f"**{passed} of {len(hub.tutorials)} verified.** Times in UTC.",
        md.table(["Tutorial", "Status", "Duration", "Last verified", "Services"], rows),
    )


def render(hub: Hub, verification: Verification | None = None) -> dict[str, str]:
    verification = verification or Verification()
    out = {paths.TUTORIALS: status_page(hub, verification)}
    for tut in hub.tutorials:
        out[paths.tutorial(tut.id)] = notebook(tut, verification)
    return out

