"""The golden path executed as one chain against a live `mlflow server`, kfp.local and the
Kubernetes API double: nothing skipped or mocked; what each step made is what the next one read."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlhub.services.live import live_services
from mlhub.verify.record import Record
from mlhub.verify.runner import Settings
from mlhub.verify.suite import tutorials, verify

from .conftest import REPO, copy_repo

CHAIN = [p.stem for p in tutorials(REPO)]


@pytest.fixture(scope="module")
def live(mlflow_server, tmp_path_factory):
    with live_services(tmp_path_factory.mktemp("state"), mlflow_server.url, root=REPO,
                       artifact_store=str(mlflow_server.state_dir / "mlflow" / "artifacts")) as services:
        yield services


@pytest.fixture(scope="module")
def full_run(live, tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    outcome = verify(REPO, out, live, tutorials(REPO, demos=True), Settings(budget_s=300), workers=2,
                     progress=lambda _: None)
    return out, outcome


def client(live):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=live.mlflow_uri)


def chain_runs(live, out, step: str):
    namespace = json.loads((out / "chain.json").read_text())["namespace"]
    exp = client(live).get_experiment_by_name(f"{namespace}listing-price")
    return client(live).search_runs([exp.experiment_id], f"tags.`golden.step` = '{step}'",
                                    order_by=["attributes.start_time DESC"]), namespace


def test_the_whole_chain_and_the_demos_pass(full_run, live):
    out, outcome = full_run
    names = [p.stem for p in tutorials(REPO, demos=True)]
    assert CHAIN == ["01-explore-data", "02-track-experiments", "03-register-models", "04-tune-hyperparameters",
                     "05-build-a-pipeline", "06-serve-a-model", "07-training-job"]
    assert sorted(outcome.executed) == sorted(names)
    for name in names:
        rec = Record.load(out, name)
        assert rec.status == "passed", (name, rec.failing_cell, rec.error)
        assert rec.mlflow_version == live.mlflow_version and rec.mlflow_version[0].isdigit()
        assert rec.kfp_target == "local" and rec.kube_target == "double" and rec.deps_hash and rec.python
    for name in ("01-explore-data", "02-track-experiments", "04-tune-hyperparameters"):  # plots where they teach
        executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
        assert any("image/png" in o.get("data", {}) for c in executed.cells if c.cell_type == "code"
                   for o in c.outputs), name
    # one namespace for the whole chain: every step's records say so
    namespaces = {Record.load(out, n).namespace for n in CHAIN}
    assert len(namespaces) == 1 and namespaces == {json.loads((out / "chain.json").read_text())["namespace"]}
    # the cluster half: each object reached the Kubernetes API double and was accepted
    posts = [(c.kind, c.status) for c in live.kube_double.calls if c.method == "POST"]
    assert sorted(posts) == [("Experiment", 201), ("InferenceService", 201), ("TrainJob", 201)]


def test_each_step_reads_what_the_one_before_made(full_run, live):
    out, _ = full_run
    baselines, namespace = chain_runs(live, out, "baseline")
    version = {r.data.tags["dataset.version"] for r in baselines}
    assert len(baselines) == 3 and len(version) == 1  # 02: three baselines on the dataset 01 logged
    data_exp = client(live).get_experiment_by_name(f"{namespace}golden-path-data")
    logged = client(live).search_runs([data_exp.experiment_id], "tags.`dataset.name` = 'listings'")
    assert [r.data.tags["dataset.version"] for r in logged] == list(version)
    assert int(logged[0].data.tags["dataset.rows"]) >= 50_000
    tuning, _ = chain_runs(live, out, "tuning")  # 04: one parent, eight children
    children = client(live).search_runs([tuning[0].info.experiment_id],
                                        f"tags.mlflow.parentRunId = '{tuning[0].info.run_id}'")
    assert len(tuning) == 1 and len(children) == 8
    assert {c.data.tags["golden.step"] for c in children} == {"trial"}
    candidate, _ = chain_runs(live, out, "candidate")  # 05 trained with 04's best parameters
    best = {k.removeprefix("best_"): v for k, v in tuning[0].data.params.items() if k.startswith("best_")}
    assert float(candidate[0].data.params["learning_rate"]) == pytest.approx(float(best["learning_rate"]))
    assert candidate[0].data.tags["gate.decision"]
    job, _ = chain_runs(live, out, "training-job")  # 07: one run for a job of two processes
    assert len(job) == 1 and job[0].data.params["world_size"] == "2" and job[0].data.params["backend"] == "gloo"
    assert job[0].data.tags["gate.decision"]  # and it went through 05's gate
    model = client(live).get_registered_model(f"{namespace}listing-price")
    assert "champion" in model.aliases
    served = nbformat.read(out / "06-serve-a-model.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in served.cells if c.cell_type == "code" for o in c.outputs)
    assert f"version {model.aliases['champion']}" in text and "HTTP 200" in text


def test_every_part_is_stamped_with_what_ran(full_run):
    out, _ = full_run
    for name in CHAIN:
        rec = Record.load(out, name)
        declared = nbformat.read(REPO / f"tutorials/{name}.ipynb", as_version=4).metadata["mlhub"]["parts"]
        assert [p["id"] for p in rec.parts] == [p["id"] for p in declared]
        for part, spec in zip(rec.parts, declared, strict=True):
            if spec["check"] == "run":
                assert part["status"] == "executed" and "MLflow" in part["detail"], (name, part)
            elif spec["check"].startswith("kube:"):
                assert part["status"] == "validated" and "not run on a cluster" in part["detail"], (name, part)
            else:  # kfp-cluster: no KFP_HOST here, so it never ran
                assert part["status"] == "not-checked", (name, part)


def test_the_katib_trial_function_runs_in_a_fresh_interpreter_as_shipped(full_run, live, tmp_path):
    """The trial in the Experiment the double accepted is run, as Katib would, by a new Python."""
    from tests.fakes.kube_schema import validate

    out, _ = full_run
    exp = live.kube_double.created("Experiment")[0]
    trial_spec = exp["spec"]["trialTemplate"]["trialSpec"]
    values = {"learning_rate": "0.1", "max_leaf_nodes": "31", "l2_regularization": "0.5"}
    text = json.dumps(trial_spec)
    for name, value in values.items():
        text = text.replace("${trialParameters." + name + "}", value)
    job = json.loads(text)
    _, causes, _ = validate({**job, "metadata": {"name": "trial-1"}}, live.kube_double.trainjob_schema)
    assert causes == []  # what Katib will create for each trial is a valid TrainJob
    command = job["spec"]["trainer"]["command"][-1]
    script = re.search(r"<< EOM\n(.*)\nEOM", command, re.S).group(1)
    (tmp_path / "trial.py").write_text(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_"))}
    res = subprocess.run([sys.executable, "trial.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env=env | {"MLFLOW_TRACKING_URI": live.mlflow_uri})
    assert res.returncode == 0, res.stderr[-2000:]
    assert re.search(r"^rmse_log=0\.\d+$", res.stdout, re.M), res.stdout
    trials, _ = chain_runs(live, out, "trial")
    assert len(trials) == 9 and trials[0].data.params["max_leaf_nodes"] == "31"


def test_the_compiled_pipeline_loads_back(full_run):
    from kfp import components

    out, _ = full_run
    spec = components.load_component_from_file(str(out / "artifacts/05-build-a-pipeline/retraining.yaml"))
    assert spec.name == "listing-price-retraining"
    assert set(spec.component_spec.inputs) == {"dataset", "dataset_version", "data_experiment", "params",
                                               "tracking_uri", "experiment", "model_name"}


def test_changing_one_step_reruns_it_and_its_dependants_only(full_run, live, tmp_path):
    """On the real chain: 06 (nothing reads from it) alone; the records of every other step stay."""
    out, _ = full_run
    root, state = tmp_path / "root", tmp_path / "verify"
    shutil.copytree(REPO / "tutorials", root / "tutorials")
    shutil.copytree(out, state, ignore=shutil.ignore_patterns("artifacts", "work"))
    before = {n: Record.load(state, n).started for n in CHAIN}
    path = root / "tutorials/06-serve-a-model.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.cell_type == "code" and "sample(5" in c.source).source += "\n# an editor's change"
    nbformat.write(nb, path)
    outcome = verify(root, state, live, tutorials(root), Settings(budget_s=300), progress=lambda _: None)
    assert outcome.executed == ["06-serve-a-model"]
    assert sorted(outcome.reused) == sorted(set(CHAIN) - {"06-serve-a-model"})
    assert Record.load(state, "06-serve-a-model").status == "passed"
    assert {n: Record.load(state, n).started for n in CHAIN if n != "06-serve-a-model"} == {
        n: t for n, t in before.items() if n != "06-serve-a-model"}


def little_chain(root: Path) -> None:
    """Four quick notebooks: a -> b -> c, and d on its own."""
    (root / "tutorials").mkdir(parents=True)
    for name, needs in (("01-a", []), ("02-b", ["01-a"]), ("03-c", ["02-b"]), ("04-d", [])):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}"),
                                             nbformat.v4.new_code_cell(f"print('{name}')")])
        nb.metadata["mlhub"] = {"needs": needs, "parts": [{"id": "all", "title": name, "check": "run"}]}
        nb.cells[1].metadata["mlhub"] = {"part": "all"}
        nbformat.write(nb, root / "tutorials" / f"{name}.ipynb")


def edit(root: Path, name: str, code: str | None = None, prose: str | None = None) -> None:
    path = root / "tutorials" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    if code:
        nb.cells[1].source = code
    if prose:
        nb.cells[0].source += prose
    nbformat.write(nb, path)


def run(root, live, out, **kw):
    return verify(root, out, live, tutorials(root), Settings(budget_s=120), progress=lambda _: None, **kw)


def test_the_cache_knows_the_chain(live, tmp_path):
    root, out = tmp_path / "root", tmp_path / "verify"
    little_chain(root)
    first = run(root, live, out)
    assert sorted(first.executed) == ["01-a", "02-b", "03-c", "04-d"]
    assert run(root, live, out).executed == []  # warm: nothing runs

    edit(root, "01-a", prose="\n\nA sentence added by an editor.")
    prose = run(root, live, out)
    assert prose.executed == [] and "A sentence added by an editor." in nbformat.read(
        out / "01-a.ipynb", as_version=4).cells[0].source

    edit(root, "02-b", code="print('b, changed')")
    changed = run(root, live, out)
    assert sorted(changed.executed) == ["02-b", "03-c"]  # the step and what reads from it; not 01 or 04
    assert sorted(changed.reused) == ["01-a", "04-d"]

    edit(root, "01-a", code="raise RuntimeError('the warehouse is down')")
    broken = run(root, live, out)
    assert broken.records["01-a"].status == "failed"
    assert broken.records["02-b"].status == broken.records["03-c"].status == "blocked"
    assert broken.records["03-c"].error == "needs 02-b, which did not pass"
    assert broken.records["04-d"].status == "passed" and "04-d" in broken.reused

    edit(root, "01-a", code="print('01-a')")
    again = run(root, live, out)
    assert sorted(again.executed) == ["01-a", "02-b", "03-c"]
    assert all(r.status == "passed" for r in again.records.values())
    forced = run(root, live, out, force=True)
    assert sorted(forced.executed) == ["01-a", "02-b", "03-c", "04-d"]


def test_a_missing_prerequisite_is_one_line_naming_the_tutorial(live, tmp_path):
    """02 against a server where 01 never ran: one line, no traceback."""
    from mlhub.verify.runner import base_fields, execute

    rec = execute(REPO / "tutorials/02-track-experiments.ipynb", tmp_path, live, Settings(budget_s=120),
                  base_fields(REPO, live))
    assert rec.status == "failed" and rec.failing_cell.error == "NotReady"
    assert "run tutorial 01-explore-data first" in rec.failing_cell.message
    executed = nbformat.read(tmp_path / "02-track-experiments.ipynb", as_version=4)
    error = next(o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error")
    assert len(error.traceback) == 1 and "Traceback" not in error.traceback[0]
    assert "01-explore-data" in error.traceback[0]


def mlhub(*args, env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_", "KFP_"))} | env
    return subprocess.run([sys.executable, "-m", "mlhub", *args], env=full, capture_output=True, text=True,
                          timeout=600)


def test_a_broken_cell_fails_verification_and_the_page_shows_the_banner(mlflow_server, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    path = repo.path("tutorials/01-explore-data.ipynb")
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "missing = df.isna()" in c.source)
    nb.cells[index].source = nb.cells[index].source.replace('df["category"]', 'df["kategory"]')
    nbformat.write(nb, path)
    env = {"MLHUB_ROOT": str(repo.root), "MLHUB_STATE_DIR": str(tmp_path / "state"),
           "MLFLOW_TRACKING_URI": mlflow_server.url}
    res = mlhub("verify", "01", env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert f"tutorials/01-explore-data.ipynb: FAILED at cell {index}" in res.stderr
    assert "KeyError" in res.stderr
    rec = Record.load(tmp_path / "state/verify", "01-explore-data")
    assert rec.failing_cell.index == index and rec.broken_since == rec.started
    assert [p["status"] for p in rec.parts] == ["executed", "failed", "not-checked"]

    res = mlhub("site", "build", "--out", str(tmp_path / "site"), env=env)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "site/tutorials/01-explore-data/index.html").read_text()
    assert f"Broken since {rec.started[:10]}" in html and f"cell {index} failed with KeyError" in html
    assert ">Verified<" not in html
    ok = (tmp_path / "site/tutorials/02-track-experiments/index.html").read_text()
    assert "Not verified yet" in ok
    status = (tmp_path / "site/tutorials/index.html").read_text()
    assert "mlhub-verify-failed" in status
    assert (tmp_path / "site/tutorials/01-explore-data/01-explore-data.ipynb").is_file()  # download
    assert re.search(r'<a [^>]*\bdownload\b[^>]*href="01-explore-data.ipynb"', html)


def test_an_unreachable_server_is_an_infrastructure_error(tmp_path):
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": "http://127.0.0.1:9"}
    res = mlhub("verify", "01", env=env)
    assert res.returncode == 3 and "infrastructure error" in res.stderr and "Traceback" not in res.stderr


def test_unknown_tutorial_is_a_usage_error(mlflow_server, tmp_path):
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": mlflow_server.url}
    res = mlhub("verify", "99", env=env)
    assert res.returncode == 2 and "no tutorial '99'" in res.stderr


def test_services_up_prints_what_a_notebook_exports_and_stops_cleanly(tmp_path):
    import signal
    import time
    import urllib.request

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLHUB_", "MLFLOW_", "KFP_"))}
    proc = subprocess.Popen([sys.executable, "-m", "mlhub", "services", "up"], env=env | {
        "MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path)}, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            lines.append(proc.stdout.readline())
            if "running; Ctrl-C stops" in lines[-1]:
                break
        exports = dict(re.findall(r"export (\w+)=(\S+)", "".join(lines)))
        assert set(exports) == {"MLFLOW_TRACKING_URI", "MLHUB_WAREHOUSE_URL", "MLHUB_ARTIFACT_STORE", "MLHUB_KUBE_API",
                                "MLHUB_CLUSTER"}
        assert exports["MLHUB_CLUSTER"] == "local"
        assert exports["MLHUB_WAREHOUSE_URL"] == f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
        with urllib.request.urlopen(f"{exports['MLFLOW_TRACKING_URI']}/health", timeout=5) as resp:
            assert resp.status == 200
        with urllib.request.urlopen(f"{exports['MLHUB_KUBE_API']}/apis/trainer.kubeflow.org/v1alpha1/"
                                    "clustertrainingruntimes/torch-distributed", timeout=5) as resp:
            assert json.loads(resp.read())["metadata"]["name"] == "torch-distributed"
        proc.send_signal(signal.SIGTERM)  # as systemd or CI would stop it; Ctrl-C works the same
        assert proc.wait(timeout=60) is not None
    finally:
        if proc.poll() is None:  # a failed assertion above: stop it so it leaks into no other test
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        proc.stdout.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{exports['MLFLOW_TRACKING_URI']}/health", timeout=2)


def test_the_built_site_says_only_what_ran_and_its_tutorial_links_resolve(full_run, live, tmp_path):
    from html.parser import HTMLParser
    from urllib.parse import urljoin, urlsplit

    out, _ = full_run
    (tmp_path / "state").mkdir()
    (tmp_path / "state/verify").symlink_to(out)
    res = mlhub("site", "build", "--out", str(tmp_path / "site"),
                env={"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path / "state")})
    assert res.returncode == 0, res.stderr
    site = tmp_path / "site"
    accepted = {c.kind for c in live.kube_double.calls if c.method == "POST" and c.status == 201}

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.hrefs: list[tuple[str, bool]] = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and attrs.get("href"):
                self.hrefs.append((attrs["href"], "download" in attrs))

    for name in CHAIN:
        page = site / f"tutorials/{name}/index.html"
        html = page.read_text()
        rec = Record.load(out, name)
        executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
        for part in rec.parts:  # every stamp is backed by what ran
            cells = [c for c in executed.cells if c.cell_type == "code"
                     and c.metadata.get("mlhub", {}).get("part") == part["id"]]
            if part["status"] == "executed":
                assert cells and all(c.execution_count and not any(o.output_type == "error" for o in c.outputs)
                                     for c in cells), (name, part)
            if part["status"] == "validated":
                assert part["title"] and any(k in part["detail"] for k in accepted), (name, part)
        verified = all(p["status"] in ("executed", "validated") for p in rec.parts)
        assert ('<p class="admonition-title">Verified</p>' in html) == verified, name
        assert ('<p class="admonition-title">Partly verified</p>' in html) == (not verified), name
        links = Links()
        links.feed(html)
        downloads = [h for h, d in links.hrefs if d]
        assert downloads == [f"{name}.ipynb"] and (page.parent / f"{name}.ipynb").is_file()
        base = f"http://site/tutorials/{name}/"
        for href, _ in links.hrefs:
            target = urlsplit(urljoin(base, href))
            if target.netloc != "site" or not target.path.startswith("/"):
                continue
            path = site / target.path.lstrip("/")
            assert path.is_file() or (path / "index.html").is_file(), (name, href)
        nxt = re.search(r'<a href="([^"]+)">(?:0\d|the golden path)', html)
        assert nxt, name  # the "Next" link (or the way back for the last step) is there and resolved above
