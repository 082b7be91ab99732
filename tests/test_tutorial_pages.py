"""Tutorial pages say exactly what ran: the headline and the stamp of each part come from the
record, never more; links a notebook writes as files point at the site's pages."""

from __future__ import annotations

import nbformat

from mlhub.site.tutorials import banner, headline, rewrite_links
from mlhub.verify.parts import Evidence, stamps
from mlhub.verify.record import Record

EVIDENCE = Evidence(mlflow="MLflow 3.17.2", kfp="Kubeflow Pipelines 2.17.3 (kfp.local)", kfp_cluster=None,
                    kube="double", accepted={"TrainJob": "TrainJob CRD v1alpha1"})


def notebook(*parts: tuple[str, str, str, bool | None]) -> nbformat.NotebookNode:
    """Parts (id, check, source, ran): ran True ran fine, False raised, None never ran."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["mlhub"] = {"parts": [{"id": pid, "title": f"part {pid}", "check": check}
                                      for pid, check, _, _ in parts]}
    for pid, _, source, ran in parts:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["mlhub"] = {"part": pid}
        if ran is not None:
            cell.execution_count = 1
        if ran is False:
            cell.outputs = [nbformat.v4.new_output("error", ename="KeyError", evalue="x", traceback=[])]
        nb.cells.append(cell)
    return nb


def record(parts) -> Record:
    return Record(tutorial="07-training-job", status="passed", started="2026-11-27T12:00:00+00:00", duration_s=9,
                  mlflow_version="3.17.2", kfp_version="2.17.3", kfp_target="local", python="3.11.7",
                  git_commit="abc", parts=[p.as_dict() for p in parts])


def test_parts_are_stamped_from_what_ran_not_from_what_was_declared():
    nb = notebook(("job", "run", "train()", True), ("trainjob", "kube:TrainJob", "submit()", True),
                  ("isvc", "kube:InferenceService", "serve()", True), ("kfp", "kfp-cluster", "submit()", True),
                  ("later", "run", "more()", None), ("bad", "run", "boom()", False))
    got = {p.id: (p.status, p.detail) for p in stamps(nb, EVIDENCE)}
    assert got["job"] == ("executed", "executed against MLflow 3.17.2 and Kubeflow Pipelines 2.17.3 (kfp.local)")
    assert got["trainjob"][0] == "validated" and "not run on a cluster" in got["trainjob"][1]
    assert got["isvc"] == ("not-checked", "no InferenceService reached a Kubernetes API")  # the double saw none
    assert got["kfp"] == ("not-checked", "no Kubeflow Pipelines cluster was configured (KFP_HOST)")
    assert got["later"] == ("not-checked", "its cells did not run")
    assert got["bad"] == ("failed", "a cell of this part failed")


def test_a_page_says_verified_only_when_every_part_ran():
    everything = stamps(notebook(("job", "run", "x", True), ("trainjob", "kube:TrainJob", "y", True)), EVIDENCE)
    assert headline(record(everything)) == ("success", "Verified")
    partly = stamps(notebook(("job", "run", "x", True), ("kfp", "kfp-cluster", "y", True)), EVIDENCE)
    assert headline(record(partly)) == ("info", "Partly verified")
    html = banner(record(partly), download="07-training-job.ipynb")
    assert ">Verified<" not in html and "Partly verified" in html
    assert "<strong>Not checked</strong>: part kfp" in html and "<strong>Executed</strong>: part job" in html
    assert '<a class="md-button mlhub-download" href="07-training-job.ipynb" download>' in html
    assert headline(None) == ("warning", "Not verified yet")
    blocked = Record(tutorial="03-x", status="blocked", started="2026-11-27T12:00:00+00:00", duration_s=0,
                     error="needs 02-x, which did not pass")
    assert headline(blocked) == ("warning", "Not run") and "needs 02-x, which did not pass" in banner(blocked)


def test_notebook_links_point_at_pages_and_downloads_stay():
    pages = {"tutorials/02-track-experiments.ipynb": "tutorials/02-track-experiments/",
             "catalog/katib.md": "catalog/katib/", "golden-path.md": "golden-path/"}
    html = ('<a href="02-track-experiments.ipynb">Next</a> <a href="../catalog/katib.md">Katib</a> '
            '<a href="../golden-path.md#the-data">data</a> <a href="01-explore-data.ipynb" download>get</a> '
            '<a href="https://mlflow.org/">MLflow</a> <a href="../missing.md">gone</a>')
    out = rewrite_links(html, "tutorials/01-explore-data.ipynb", pages.get, "tutorials/01-explore-data/")
    assert '<a href="../02-track-experiments/">Next</a>' in out
    assert '<a href="../../catalog/katib/">Katib</a>' in out
    assert '<a href="../../golden-path/#the-data">data</a>' in out
    assert '<a href="01-explore-data.ipynb" download>get</a>' in out
    assert '<a href="https://mlflow.org/">MLflow</a>' in out
    assert '<a href="../missing.md">gone</a>' in out  # left for mkdocs' own link check to report


def test_no_tutorial_loads_a_toy_dataset_hand_writes_a_search_or_names_a_host():
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "tutorials").glob("[0-9][0-9]-*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "sklearn.datasets" not in code and "load_breast_cancer" not in code, path.name
        assert "import random" not in code and "random.Random" not in code, path.name  # searches come from Optuna
        assert "127.0.0.1" not in code and "localhost" not in code, path.name  # endpoints come from the environment
        assert nb.metadata["mlhub"]["parts"], path.name
        assert {c.metadata.get("mlhub", {}).get("part") for c in nb.cells if c.cell_type == "code"} - {None} == {
            p["id"] for p in nb.metadata["mlhub"]["parts"]}, path.name
        prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "**You will learn**" in prose and "**Prerequisites:**" in prose and "**Time:**" in prose, path.name
        assert "## Troubleshooting" in prose and "## Services used" in prose, path.name
