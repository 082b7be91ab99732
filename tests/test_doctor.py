"""`mlhub doctor` against services named by the environment: reachable, versions, migrations,
what to fix; and its usage errors. (Against the running platform profile: tests/test_platform.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import psycopg
import pytest
from sqlalchemy.engine import make_url

from mlhub.doctor import Given, Status, diagnose, table
from mlhub.doctor.checks import mlflow_schema_head
from mlhub.doctor.given import Artifacts, GivenError
from mlhub.services.processes import free_ports

from .conftest import REPO


def mlhub(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    drop = ("MLHUB_", "MLFLOW_", "KFP_", "AWS_")
    full = {k: v for k, v in os.environ.items() if not k.startswith(drop)} | {"MLHUB_ROOT": str(REPO)} | env
    return subprocess.run([sys.executable, "-m", "mlhub", *args], env=full, capture_output=True, text=True,
                          timeout=timeout)


def statuses(stdout: str) -> dict[str, str]:
    out = {}
    for line in stdout.splitlines()[1:]:
        if m := re.match(r"(\S.*?)\s{2,}(OK|FAIL|SKIPPED)\b", line):
            out[m.group(1)] = m.group(2)
    return out


@pytest.fixture
def pipelines():
    """A Kubeflow Pipelines API double answering its healthz as KFP 2 does (GetHealthzResponse)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path == "/apis/v2beta1/healthz":
                body, code = json.dumps({"multi_user": False, "pipeline_store": "database"}).encode(), 200
            else:
                body, code = json.dumps({"error": "Not Found", "code": 5}).encode(), 404
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_nothing_given_and_nothing_running_is_a_usage_error(tmp_path):
    res = mlhub("doctor", env={"MLHUB_STATE_DIR": str(tmp_path)})
    assert res.returncode == 2 and "nothing to check: name the company's services" in res.stderr


def test_settings_it_cannot_use_are_usage_errors(tmp_path):
    res = mlhub("doctor", env={"MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert res.returncode == 2
    assert "MLFLOW_S3_ENDPOINT_URL is set but not MLHUB_ARTIFACTS_URI" in res.stderr
    res = mlhub("doctor", env={"MLHUB_STATE_DIR": str(tmp_path), "MLHUB_ARTIFACTS_URI": "mlhub/mlflow"})
    assert res.returncode == 2 and "MLHUB_ARTIFACTS_URI must be s3://BUCKET/PREFIX, got 'mlhub/mlflow'" in res.stderr
    res = mlhub("doctor", env={"MLHUB_STATE_DIR": str(tmp_path), "MLHUB_CLUSTER": "dev-eu-1"})
    assert res.returncode == 2 and "MLHUB_CLUSTER: unknown cluster 'dev-eu-1'" in res.stderr


def test_every_service_down_is_named_with_what_to_fix(tmp_path):
    mlflow, pg, s3, kfp = free_ports(4)
    env = {"MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{mlflow}",
           "MLHUB_MLFLOW_DB": f"postgresql+psycopg://mlflow:hunter2secret@127.0.0.1:{pg}/mlflow",
           "MLHUB_BOT_DB": f"postgresql+psycopg://bot@127.0.0.1:{pg}/bot",
           "MLFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3}", "MLHUB_ARTIFACTS_URI": "s3://models/mlflow",
           "AWS_ACCESS_KEY_ID": "AKEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cr3t-value", "KFP_HOST": f"http://127.0.0.1:{kfp}"}
    res = mlhub("doctor", "--timeout", "2", env=env)
    assert res.returncode == 1, res.stdout + res.stderr
    assert statuses(res.stdout) == {"mlflow": "FAIL", "mlflow database": "FAIL", "bot store": "FAIL",
                                    "object store": "FAIL", "kubeflow pipelines": "FAIL"}
    assert "0 of 5 checks passed" in res.stdout
    fixes = res.stdout.split("What to fix:")[1]
    for line in ("mlflow: start the MLflow server, or fix MLFLOW_TRACKING_URI",
                 "mlflow database: start the database, or fix its URL and password (PGPASSWORD)",
                 "object store: start the object store, or fix MLFLOW_S3_ENDPOINT_URL",
                 "kubeflow pipelines: check KFP_HOST: the Pipelines API must answer /apis/v2beta1/healthz"):
        assert line in fixes, fixes
    assert "down: connection refused" in res.stdout
    assert "hunter2secret" not in res.stdout + res.stderr and "s3cr3t-value" not in res.stdout + res.stderr
    assert f"postgresql+psycopg://mlflow:***@127.0.0.1:{pg}/mlflow" in res.stdout
    assert "mlhub: checking the services the environment names, 2 s each" in res.stderr


def test_reachable_services_with_their_versions(mlflow_server, pipelines, tmp_path):
    env = {"MLHUB_STATE_DIR": str(tmp_path), "MLFLOW_TRACKING_URI": mlflow_server.url, "KFP_HOST": pipelines}
    res = mlhub("doctor", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert statuses(res.stdout) == {"mlflow": "OK", "mlflow database": "SKIPPED", "bot store": "SKIPPED",
                                    "object store": "SKIPPED", "kubeflow pipelines": "OK"}
    import mlflow

    assert re.search(rf"^mlflow\s+OK\s+{re.escape(mlflow.__version__)}\s", res.stdout, re.M), res.stdout
    assert "2 of 2 checks passed, 3 not configured" in res.stdout
    found = json.loads(mlhub("doctor", "--json", env=env).stdout)
    assert [(f["component"], f["status"]) for f in found] == [
        ("mlflow", "ok"), ("mlflow database", "skipped"), ("bot store", "skipped"), ("object store", "skipped"),
        ("kubeflow pipelines", "ok")]


def test_the_running_embedded_server_is_checked_without_settings(mlflow_server):
    res = mlhub("doctor", env={"MLHUB_STATE_DIR": str(mlflow_server.state_dir)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert statuses(res.stdout)["mlflow"] == "OK"
    assert f"checking the embedded MLflow server of {mlflow_server.state_dir}" in res.stderr


def test_a_cluster_named_by_mlhub_cluster_has_its_endpoints_probed(repo, pipelines, tmp_path):
    repo.write_yaml("clusters/loop.yaml", {"name": "loop", "stage": "sandbox", "region": "loopback",
                                           "team": "ML Platform", "services": {
                                               "kubeflow-pipelines": {"health": f"{pipelines}/apis/v2beta1/healthz"},
                                               "mlflow-tracking": {"health": f"{pipelines}/health"}}})
    res = mlhub("doctor", "--root", str(repo.root), env={"MLHUB_STATE_DIR": str(tmp_path), "MLHUB_CLUSTER": "loop"})
    assert res.returncode == 1, res.stdout + res.stderr
    got = statuses(res.stdout)
    assert got["loop: kubeflow-pipelines"] == "OK" and got["loop: mlflow-tracking"] == "FAIL"
    assert "loop: mlflow-tracking: the health URL in clusters/loop.yaml must answer HTTP 200" in res.stdout


def _database(server_url: str, name: str) -> str:
    url = make_url(server_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def test_migrations_current_behind_or_missing(postgres_url):
    from bot.store import HEAD, Store

    head = mlflow_schema_head()
    empty, old, bot = (_database(postgres_url, n) for n in ("doctor_empty", "doctor_old", "doctor_bot"))
    with psycopg.connect(make_url(old).set(drivername="postgresql").render_as_string(False)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0a8213491aaa')")

    def check(mlflow_db: str, bot_db: str):
        found = {f.component: f for f in diagnose(Given("test", mlflow_db=mlflow_db, bot_db=bot_db), timeout=5)}
        return found["mlflow database"], found["bot store"]

    m, b = check(empty, bot)
    assert (m.status, m.detail) == (Status.fail, "no MLflow tables") and m.version.startswith("PostgreSQL ")
    assert (b.status, b.detail) == (Status.fail, "no bot tables")
    assert b.fix == "start the bot once on this database (`mlhub bot` migrates it)"
    m, _ = check(old, bot)
    assert (m.status, m.detail) == (Status.fail, f"schema at 0a8213491aaa, this code expects {head}")
    assert m.fix.startswith("back up the database, then run `mlflow db upgrade <URL>`")

    Store(bot).engine.dispose()
    _, b = check(empty, bot)
    assert (b.status, b.detail) == (Status.ok, f"migrations current ({HEAD})")
    with psycopg.connect(make_url(bot).set(drivername="postgresql").render_as_string(False)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    _, b = check(empty, bot)
    assert (b.status, b.detail) == (Status.fail, f"schema at 0001, this code expects {HEAD}")
    assert b.fix.endswith("restart the bot (it migrates at start)")
    assert f"0001, this code expects {HEAD}" in table([b])


def test_given_from_the_environment():
    assert Given.from_env({}) is None and Given.from_env({"MLHUB_CLUSTER": "local"}) is None
    g = Given.from_env({"MLHUB_ARTIFACTS_URI": "s3://models/team/mlflow/", "AWS_ACCESS_KEY_ID": "AK",
                        "AWS_SECRET_ACCESS_KEY": "s3cr3t-value", "MLHUB_CLUSTER": "dev-eu"})
    assert g.artifacts == Artifacts("models", "team/mlflow") and g.s3_endpoint is None and g.cluster == "dev-eu"
    assert g.s3_credentials.access_key == "AK" and "s3cr3t-value" not in repr(g)
    with pytest.raises(GivenError, match="s3://BUCKET/PREFIX"):
        Given.from_env({"MLHUB_ARTIFACTS_URI": "https://bucket/x"})
