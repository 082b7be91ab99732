"""Every tutorial executed against a live `mlflow server` and kfp.local: nothing skipped or mocked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from mlhub.services.live import live_services
from mlhub.verify.record import Record
from mlhub.verify.runner import Settings
from mlhub.verify.suite import tutorials, verify

from .conftest import REPO, copy_repo


@pytest.fixture(scope="module")
def live(mlflow_server, tmp_path_factory):
    with live_services(tmp_path_factory.mktemp("state"), mlflow_server.url) as services:
        yield services


@pytest.fixture(scope="module")
def full_run(live, tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    outcome = verify(REPO, out, live, tutorials(REPO, demos=True), Settings(budget_s=300), workers=2,
                     progress=lambda _: None)
    return out, outcome


def test_every_tutorial_passes_against_the_live_services(full_run, live):
    out, outcome = full_run
    names = [p.stem for p in tutorials(REPO, demos=True)]
    assert len(names) == 9 and sorted(outcome.executed) == sorted(names)
    for name in names:
        rec = Record.load(out, name)
        assert rec.status == "passed", (name, rec.failing_cell, rec.error)
        assert rec.mlflow_version == live.mlflow_version and rec.mlflow_version[0].isdigit()
        assert rec.kfp_target == "local" and rec.kfp_version and rec.deps_hash and rec.python
        folder = "tutorials" if name[:2].isdigit() and name[2] == "-" else "demos"
        assert len(rec.cells_s) == sum(c.cell_type == "code" for c in nbformat.read(
            REPO / f"{folder}/{name}.ipynb", as_version=4).cells)
        executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
        assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")


def test_runs_leave_nothing_behind_on_the_server(full_run, live):
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=live.mlflow_uri)
    assert client.search_registered_models(filter_string="name LIKE 'verify-%'") == []
    assert client.search_experiments(filter_string="name LIKE 'verify-%'") == []


def test_compiled_pipeline_of_tutorial_04_loads_back_with_kfp(full_run):
    from kfp import components

    out, _ = full_run
    spec = components.load_component_from_file(str(out / "artifacts/04-build-a-pipeline/training_pipeline.yaml"))
    assert spec.name == "breast-cancer-training"
    assert set(spec.component_spec.inputs) == {"C", "threshold"}


@pytest.fixture
def small_root(tmp_path):
    """A checkout with two quick tutorials, for the cache rules."""
    root = tmp_path / "root"
    (root / "tutorials").mkdir(parents=True)
    for name in ("01-explore-data", "08-training-job"):
        shutil.copy(REPO / f"tutorials/{name}.ipynb", root / "tutorials")
    return root


def run(root, live, out, **kw):
    return verify(root, out, live, tutorials(root), Settings(budget_s=200), progress=lambda _: None, **kw)


def test_cache_nothing_changed_prose_edit_and_code_edit(small_root, live, tmp_path):
    out = tmp_path / "verify"
    first = run(small_root, live, out)
    assert sorted(first.executed) == ["01-explore-data", "08-training-job"]
    started = {n: Record.load(out, n).started for n in first.executed}

    again = run(small_root, live, out)
    assert again.executed == [] and sorted(again.reused) == ["01-explore-data", "08-training-job"]
    assert {n: Record.load(out, n).started for n in started} == started

    path = small_root / "tutorials/01-explore-data.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\nA sentence added by an editor."
    nbformat.write(nb, path)
    prose = run(small_root, live, out)
    assert prose.executed == []
    executed = nbformat.read(out / "01-explore-data.ipynb", as_version=4)
    assert "A sentence added by an editor." in executed.cells[0].source

    path = small_root / "tutorials/08-training-job.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[-2].source = code[-2].source.replace("epochs=5", "epochs=4")
    nbformat.write(nb, path)
    edited = run(small_root, live, out)
    assert edited.executed == ["08-training-job"]
    assert Record.load(out, "01-explore-data").started == started["01-explore-data"]
    assert Record.load(out, "08-training-job").status == "passed"

    forced = run(small_root, live, out, force=True)
    assert sorted(forced.executed) == ["01-explore-data", "08-training-job"]


def mlhub(*args, env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_", "KFP_"))} | env
    return subprocess.run([sys.executable, "-m", "mlhub", *args], env=full, capture_output=True, text=True,
                          timeout=600)


def test_a_broken_cell_fails_verification_and_the_page_shows_the_banner(mlflow_server, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    path = repo.path("tutorials/01-explore-data.ipynb")
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "value_counts" in c.source)
    nb.cells[index].source = nb.cells[index].source.replace('df["target"]', 'df["diagnosis"]')
    nbformat.write(nb, path)
    env = {"MLHUB_ROOT": str(repo.root), "MLHUB_STATE_DIR": str(tmp_path / "state"),
           "MLFLOW_TRACKING_URI": mlflow_server.url}
    res = mlhub("verify", "01", env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert f"tutorials/01-explore-data.ipynb: FAILED at cell {index}" in res.stderr
    assert "KeyError" in res.stderr
    rec = Record.load(tmp_path / "state/verify", "01-explore-data")
    assert rec.failing_cell.index == index and rec.broken_since == rec.started

    res = mlhub("site", "build", "--out", str(tmp_path / "site"), env=env)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "site/tutorials/01-explore-data/index.html").read_text()
    assert f"Broken since {rec.started[:10]}" in html and f"cell {index} failed with KeyError" in html
    ok = (tmp_path / "site/tutorials/02-track-experiments/index.html").read_text()
    assert "Not verified yet" in ok
    status = (tmp_path / "site/tutorials/index.html").read_text()
    assert "mlhub-verify-failed" in status
    assert (tmp_path / "site/tutorials/01-explore-data/01-explore-data.ipynb").is_file()  # download


def test_an_unreachable_server_is_an_infrastructure_error(tmp_path):
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    res = mlhub("verify", "01", env=env)
    assert res.returncode == 3 and "infrastructure error" in res.stderr and "Traceback" not in res.stderr


def test_unknown_tutorial_is_a_usage_error(mlflow_server, tmp_path):
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": mlflow_server.url}
    res = mlhub("verify", "99", env=env)
    assert res.returncode == 2 and "no tutorial '99'" in res.stderr


def test_services_up_prints_the_url_and_stops_cleanly(tmp_path):
    import re
    import signal
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_", "KFP_"))}
    proc = subprocess.Popen([sys.executable, "-m", "mlhub", "services", "up"], env=env | {
        "MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path)}, stdout=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines.append(proc.stdout.readline())
        if "running; Ctrl-C stops" in lines[-1]:
            break
    url = re.search(r"export MLFLOW_TRACKING_URI=(\S+)", "".join(lines)).group(1)
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{url}/health", timeout=5) as resp:
        assert resp.status == 200
    proc.send_signal(signal.SIGTERM)  # as systemd or CI would stop it; Ctrl-C works the same
    assert proc.wait(timeout=60) is not None
    proc.stdout.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=2)
