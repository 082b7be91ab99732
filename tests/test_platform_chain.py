"""The golden path once more, on the platform profile: PostgreSQL (MLflow's store and the warehouse),
the SeaweedFS object store (every artifact) and MLflow on both. The tutorials are the same files as
on the embedded default; only the configuration differs. The object store is stopped in the middle
of the chain: that tutorial is recorded as an infrastructure error, nothing recorded before it is
lost, and the run after the store is back re-runs only what did not finish. That resumed run
completes the chain, so the platform's chain is executed once in all (not twice)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from mlhub.verify import cache
from mlhub.verify.record import Record
from mlhub.verify.runner import Settings
from mlhub.verify.suite import Outcome, tutorials, verify

from .conftest import REPO, use_platform_clients

CHAIN = [p.stem for p in tutorials(REPO)]
INTERRUPTED = "02-track-experiments"  # the step the object store goes down under
# what would make a tutorial profile-specific: it must read its services from the environment only
PROFILE_WORDS = ("seaweed", "MLFLOW_S3_ENDPOINT_URL", "AWS_", "postgresql", "127.0.0.1", "mlhub.services")


@dataclass
class Chain:
    out: Path
    first: Outcome  # the object store stopped during INTERRUPTED
    after_fault: dict[str, Record]  # the records as the first run left them
    stopped_during: str  # the cell source line running when the store went down
    second: Outcome  # after the store came back


@pytest.fixture(scope="module")
def live(platform_profile):
    with platform_profile.live(root=REPO) as services:
        yield services


def namespace(out: Path) -> str:
    return json.loads((out / "chain.json").read_text())["namespace"]


def stop_store_when_running(platform, live, out: Path, started: threading.Event, done: list[str]) -> None:
    """Once INTERRUPTED has its first MLflow run open (its cells are executing), crash the object
    store, as a failing node would."""
    from mlflow import MlflowClient

    started.wait(600)
    client = MlflowClient(tracking_uri=live.mlflow_uri)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        exp = client.get_experiment_by_name(f"{namespace(out)}listing-price")
        if exp and client.search_runs([exp.experiment_id], "attributes.status = 'RUNNING'"):
            platform.stop_component("objectstore", crash=True)
            done.append(time.strftime("%H:%M:%S"))
            return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def chain(platform_profile, live, tmp_path_factory) -> Chain:
    out = tmp_path_factory.mktemp("verify-platform")
    started, done = threading.Event(), []

    def progress(line: str) -> None:
        if f"{INTERRUPTED}: running" in line:
            started.set()

    watcher = threading.Thread(target=stop_store_when_running, args=(platform_profile, live, out, started, done),
                               daemon=True)
    watcher.start()
    first = verify(REPO, out, live, tutorials(REPO), Settings(budget_s=300), progress=progress)
    watcher.join(timeout=5)
    assert done, "the object store was never stopped: the interrupted step opened no run"
    after_fault = {n: Record.load(out, n) for n in CHAIN}
    platform_profile.start_component("objectstore")
    second = verify(REPO, out, live, tutorials(REPO), Settings(budget_s=300), progress=lambda _: None)
    return Chain(out, first, after_fault, done[0], second)


def client(live):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=live.mlflow_uri)


def test_a_stopped_object_store_is_an_infrastructure_error_and_the_next_run_resumes(chain, live):
    first, records = chain.first, chain.after_fault
    # the step before it passed and stays recorded; the interrupted one is an infrastructure error,
    # not a failure; the ones after it did not run
    assert records["01-explore-data"].status == "passed"
    rec = records[INTERRUPTED]
    assert rec.status == "infra-error", (rec.status, rec.error, rec.failing_cell)
    assert rec.error.startswith("interrupted: the object store at http://127.0.0.1:")
    assert rec.error.endswith("does not answer") and "MLflow" not in rec.error
    assert rec.failing_cell is not None and rec.broken_since is None  # where it stopped; never "broken"
    assert "failed" not in {p["status"] for p in rec.parts}
    assert any(p["status"] == "not-checked" and p["detail"].startswith("infrastructure error, interrupted: the "
                                                                         "object store") for p in rec.parts)
    # after it: what reads from it is not run; 04 reads only from 01, and the store is still down
    # when its turn comes, so it is not run either, as an infrastructure error (never "failed")
    after = CHAIN[CHAIN.index(INTERRUPTED) + 1:]
    assert {n: records[n].status for n in after} == {**dict.fromkeys(after, "blocked"),
                                                     "04-tune-hyperparameters": "infra-error"}
    assert records["04-tune-hyperparameters"].error.startswith("not run: the object store at http://127.0.0.1:")
    assert records["04-tune-hyperparameters"].failing_cell is None
    assert sorted(r.tutorial for r in first.infra_errors) == [INTERRUPTED, "04-tune-hyperparameters"]
    assert not [r for r in first.failed if r.status == "failed"]

    # the next run, with the store back: the interrupted step and the ones after it, nothing before
    second = chain.second
    assert len(second.executed) == len(CHAIN) - 1 == 6 and second.reused == ["01-explore-data"]
    assert sorted(second.executed) == sorted(CHAIN[1:])
    assert {n: r.status for n, r in second.records.items()} == dict.fromkeys(CHAIN, "passed")
    assert Record.load(chain.out, "01-explore-data").started == records["01-explore-data"].started
    # one chain: the resumed steps read the dataset version 01 logged before the fault
    ns, mlflow = namespace(chain.out), client(live)
    logged = mlflow.search_runs([mlflow.get_experiment_by_name(f"{ns}golden-path-data").experiment_id],
                                "tags.`dataset.name` = 'listings'")
    baselines = mlflow.search_runs([mlflow.get_experiment_by_name(f"{ns}listing-price").experiment_id],
                                   "tags.`golden.step` = 'baseline' and attributes.status = 'FINISHED'")
    assert len(logged) == 1 and len(baselines) == 3
    assert {r.data.tags["dataset.version"] for r in baselines} == {logged[0].data.tags["dataset.version"]}


def test_the_page_says_infrastructure_error_not_broken(chain):
    from mlhub.site.tutorials import banner, headline

    rec = chain.after_fault[INTERRUPTED]
    assert headline(rec) == ("warning", "Could not be verified: infrastructure error")
    html = banner(rec)
    assert "not a fault of this tutorial" in html and "the object store at http://127.0.0.1:" in html
    assert "Broken" not in html and ">Verified<" not in html


def test_the_same_tutorials_pass_on_the_platform_profile(chain, live):
    out = chain.out
    for name in CHAIN:
        rec = Record.load(out, name)
        assert rec.status == "passed", (name, rec.failing_cell, rec.error)
        assert rec.mlflow_target == "platform" and rec.kube_target == "double" and rec.kfp_target == "local"
        # the very same notebooks as on the embedded default: same code, nothing profile-specific
        source = nbformat.read(REPO / f"tutorials/{name}.ipynb", as_version=4)
        assert rec.code_hash == cache.code_hash(source)
        code = "\n".join(c.source for c in source.cells if c.cell_type == "code")
        assert not [w for w in PROFILE_WORDS if w.lower() in code.lower()], name
    assert live.warehouse_url.startswith("postgresql+psycopg://") and live.env()["MLHUB_WAREHOUSE_URL"]
    job = client(live).search_runs([client(live).get_experiment_by_name(
        f"{namespace(out)}listing-price").experiment_id], "tags.`golden.step` = 'training-job'")
    assert len(job) == 1 and job[0].data.params["world_size"] == "2"
    assert job[0].info.artifact_uri.startswith("s3://mlhub/mlflow/")


def test_models_live_in_the_bucket_and_kserve_gets_an_s3_storage_uri(chain, live, platform_profile, monkeypatch,
                                                                    tmp_path):
    import mlflow

    # the InferenceService the double accepted serves the champion 06 found (07's gate may move it since)
    created = live.kube_double.created("InferenceService")
    assert len(created) == 1
    model = created[0]["spec"]["predictor"]["model"]
    version = created[0]["metadata"]["name"].removeprefix("listing-price-v")
    name = f"{namespace(chain.out)}listing-price"
    assert created[0]["metadata"]["annotations"]["mlhub/model"] == f"models:/{name}@champion"
    uri = model["storageUri"]
    assert uri.startswith("s3://mlhub/mlflow/") and model["protocolVersion"] == "v2", model
    # at that URI in the bucket: exactly the files MLflow serves for that version, which is what
    # KServe's storage initializer downloads
    use_platform_clients(monkeypatch, platform_profile)
    served = Path(mlflow.artifacts.download_artifacts(f"models:/{name}/{version}", dst_path=str(tmp_path),
                                                      tracking_uri=live.mlflow_uri))
    s3 = platform_profile.objectstore.client()
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    stored = {o["Key"].removeprefix(prefix + "/") for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "/")
              ["Contents"]}
    downloaded = {str(f.relative_to(served)) for f in served.rglob("*") if f.is_file()}
    assert stored == downloaded - {"registered_model_meta"}, (stored, downloaded)  # that one MLflow adds
    assert "MLmodel" in stored and "requirements.txt" in stored
    mlmodel = s3.get_object(Bucket=bucket, Key=f"{prefix}/MLmodel")["Body"].read().decode()
    assert mlmodel == (served / "MLmodel").read_text() and "python_function" in mlmodel


def waiting_chain(root: Path, signals: Path) -> None:
    """Two small notebooks: 01-a opens an experiment; 02-b says it started, waits for the test's go,
    then asks MLflow (whose store is PostgreSQL) for experiments."""
    (root / "tutorials").mkdir(parents=True)
    cells = {
        "01-a": ["import os\nimport mlflow\nmlflow.set_experiment(os.environ['MLHUB_NAMESPACE'] + 'kept')"],
        "02-b": [f"import pathlib, time\npathlib.Path({str(signals / 'started')!r}).touch()\n"
                 f"while not pathlib.Path({str(signals / 'go')!r}).exists():\n    time.sleep(0.1)",
                 # no retries: the client would otherwise back off for minutes before it gives up
                 "import os\nos.environ['MLFLOW_HTTP_REQUEST_MAX_RETRIES'] = '0'\nimport mlflow\n"
                 "mlflow.search_experiments(max_results=1)"],
    }
    for name, sources in cells.items():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}")])
        for source in sources:
            nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"mlhub": {"part": "all"}}))
        nb.metadata["mlhub"] = {"needs": ["01-a"] if name == "02-b" else [],
                                "parts": [{"id": "all", "title": name, "check": "run"}]}
        nbformat.write(nb, root / "tutorials" / f"{name}.ipynb")


def test_postgres_stopped_mid_tutorial_is_an_infrastructure_error_and_nothing_before_is_lost(
        chain, platform_profile, live, tmp_path):
    root, out, signals = tmp_path / "root", tmp_path / "verify", tmp_path / "signals"
    signals.mkdir()
    waiting_chain(root, signals)

    def crash_postgres_when_started() -> None:
        deadline = time.monotonic() + 300
        while not (signals / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        platform_profile.stop_component("postgres", crash=True)
        (signals / "go").touch()

    crasher = threading.Thread(target=crash_postgres_when_started, daemon=True)
    crasher.start()
    try:
        first = verify(root, out, live, tutorials(root), Settings(budget_s=120), progress=lambda _: None)
    finally:
        crasher.join(timeout=300)
        platform_profile.start_component("postgres")
    assert first.records["01-a"].status == "passed"
    rec = first.records["02-b"]
    assert rec.status == "infra-error", (rec.status, rec.error, rec.failing_cell)
    assert rec.error.startswith(f"interrupted: MLflow at {live.mlflow_uri} answers HTTP 5")
    assert "the warehouse postgresql+psycopg://postgres:***@127.0.0.1:" in rec.error
    assert rec.failing_cell.index == 2 and rec.broken_since is None

    second = verify(root, out, live, tutorials(root), Settings(budget_s=120), progress=lambda _: None)
    assert second.executed == ["02-b"] and second.reused == ["01-a"]  # 1 of 2 run again
    assert second.records["02-b"].status == "passed"
    assert Record.load(out, "01-a").started == first.records["01-a"].started
    from mlflow import MlflowClient

    ns = namespace(out)  # what 01-a made before the crash is still in MLflow's database
    assert MlflowClient(tracking_uri=live.mlflow_uri).get_experiment_by_name(f"{ns}kept") is not None
