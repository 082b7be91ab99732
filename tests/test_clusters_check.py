"""Is it up? `mlhub clusters check` against the live embedded MLflow, a closed port and a server
that never answers; the probe's rules; the report the site shows; the status changes to post."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mlhub.clusters import health
from mlhub.clusters.changes import announced, changes
from mlhub.clusters.health import Report, Result, Status, Target, check, probe
from mlhub.content import load
from mlhub.site import render

from .conftest import NOW, REPO, Copy


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


class Double(BaseHTTPRequestHandler):
    """Health URLs as services answer them: Kubeflow Pipelines' healthz, a login redirect, an
    error, a slow answer; `healthy` switches /toggle between 200 and 503."""

    healthy = True
    in_flight = 0
    max_in_flight = 0
    lock = threading.Lock()

    def do_GET(self):  # noqa: N802 - http.server's name
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.max_in_flight = max(cls.max_in_flight, cls.in_flight)
        try:
            self._answer()
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def _answer(self):
        if self.path == "/apis/v2beta1/healthz":  # the shape Kubeflow Pipelines' API server answers
            self._send(200, json.dumps({"commit_sha": "0a1b2c3", "tag_name": "2.14.3", "multi_user": True}))
        elif self.path == "/oauth":
            self.send_response(302)
            self.send_header("Location", "https://sso.corp.example/login")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/broken":
            self._send(503, "upstream connect error")
        elif self.path.startswith("/slow"):
            time.sleep(0.4)
            self._send(200, "OK")
        elif self.path == "/trickle":  # answers at once, then one byte every 0.1 s
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/toggle":
            self._send(200 if type(self).healthy else 503, "OK" if type(self).healthy else "unavailable")
        else:
            self._send(404, "not found")

    def _send(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def double():
    handler = type("Handler", (Double,), {"healthy": True, "in_flight": 0, "max_in_flight": 0,
                                          "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def target(url: str, cluster: str = "c1", service: str = "mlflow-tracking") -> Target:
    return Target(cluster, "sandbox", service, url)


# --- the probe -----------------------------------------------------------------------------


def test_live_mlflow_is_up_a_closed_port_down_a_silent_server_times_out(mlflow_server, closed_port, silent_port):
    report = check([target(f"{mlflow_server.url}/health", "live"),
                    target(f"http://127.0.0.1:{closed_port}/health", "stopped"),
                    target(f"http://127.0.0.1:{silent_port}/health", "hung")], timeout=1.0)
    got = [(r.cluster, r.status, r.detail, r.http_status) for r in report.results]
    assert got == [("live", Status.up, "HTTP 200", 200),
                   ("stopped", Status.down, "connection refused", None),
                   ("hung", Status.timeout, "no answer within 1 s", None)]
    assert not report.ok and report.checked_at.tzinfo is dt.UTC


def test_what_counts_as_up(double):
    base, _ = double
    results = {path: probe(target(base + path), timeout=0.2 if path == "/slow" else 2.0)
               for path in ("/apis/v2beta1/healthz", "/oauth", "/broken", "/nowhere", "/slow")}
    assert {p: (r.status, r.detail) for p, r in results.items()} == {
        "/apis/v2beta1/healthz": (Status.up, "HTTP 200"),
        "/oauth": (Status.down, "HTTP 302: redirects to https://sso.corp.example/login (is it behind a login?)"),
        "/broken": (Status.down, "HTTP 503"),
        "/nowhere": (Status.down, "HTTP 404"),
        "/slow": (Status.timeout, "no answer within 0.2 s"),
    }
    assert probe(target("http://unknown-host.invalid/health"), 2.0).detail == "host name not found"


def test_an_answer_that_trickles_in_times_out(double):
    base, _ = double
    res = probe(target(f"{base}/trickle"), timeout=0.5)
    assert (res.status, res.detail, res.http_status) == (Status.timeout, "answer not complete within 0.5 s", 200)


def test_a_probe_that_hangs_past_every_socket_timeout_is_reported_as_a_timeout():
    release = threading.Event()

    def stuck(t: Target, timeout: float) -> Result:  # like a name lookup that never returns
        release.wait(30)
        return Result(t.cluster, t.stage, t.service, t.url, Status.up, "HTTP 200", 200, 30.0)

    seen = []
    report = check([target("http://a/health", "a"), target("http://b/health", "b")], timeout=0.1,
                   concurrency=2, probe_fn=stuck, progress=seen.append)
    release.set()
    assert [(r.cluster, r.status, r.detail) for r in report.results] == [
        ("a", Status.timeout, "no answer within 0.1 s (the probe hung)"),
        ("b", Status.timeout, "no answer within 0.1 s (the probe hung)")]
    assert seen == []


def test_concurrency_bounds_the_probes_in_flight(double):
    base, handler = double
    targets = [target(f"{base}/slow?{i}", f"c{i}") for i in range(6)]
    check(targets, timeout=5.0, concurrency=1)
    assert handler.max_in_flight == 1
    handler.max_in_flight = 0
    report = check(targets, timeout=5.0, concurrency=6)
    assert handler.max_in_flight > 1
    assert [r.cluster for r in report.results] == [f"c{i}" for i in range(6)]  # the targets' order
    with pytest.raises(ValueError):
        check(targets, timeout=0)


def test_report_round_trip_and_unreadable_reports(tmp_path):
    report = Report(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC), 5.0, (
        Result("dev-eu", "dev", "katib", "https://k/health", Status.timeout, "no answer within 5 s", None, 5.0),))
    assert health.load(tmp_path) is None
    path = health.save(report, tmp_path)
    assert path == tmp_path / "clusters/health.json" and health.load(tmp_path) == report
    path.write_text("{not json")
    assert health.load(tmp_path) is None
    path.write_text(json.dumps({"version": 99, "checked_at": "x", "timeout_s": 1, "results": []}))
    assert health.load(tmp_path) is None


# --- the command, end to end -------------------------------------------------------------


def mlhub(*args, env=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("MLHUB_")} | (env or {})
    return subprocess.run([sys.executable, "-m", "mlhub", *args], env=full, capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def cluster_file(repo: Copy, name: str, service: str, health_url: str) -> None:
    repo.write_yaml(f"clusters/{name}.yaml", {"name": name, "stage": "sandbox", "region": "loopback",
                                              "team": "ML Platform", "services": {service: {"health": health_url}}})


def rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    lines = stdout.splitlines()
    assert lines[0].split() == ["CLUSTER", "STAGE", "SERVICE", "STATUS", "SECONDS", "DETAIL", "URL"]
    return {(c[0], c[2]): c[3:] for c in (line.split(None, 5) for line in lines[1:-1])}


def test_mlhub_clusters_check_end_to_end(repo: Copy, mlflow_server, closed_port, silent_port, tmp_path):
    for path in repo.path("clusters").glob("*.yaml"):
        path.unlink()
    cluster_file(repo, "live", "mlflow-tracking", f"{mlflow_server.url}/health")
    cluster_file(repo, "stopped", "mlflow-tracking", f"http://127.0.0.1:{closed_port}/health")
    cluster_file(repo, "hung", "kubeflow-pipelines", f"http://127.0.0.1:{silent_port}/apis/v2beta1/healthz")
    # the state folder of the running embedded server: the `local` cluster is found there
    env = {"MLHUB_STATE_DIR": str(mlflow_server.state_dir)}
    res = mlhub("clusters", "check", "--root", str(repo.root), "--timeout", "1", "--save", env=env)
    assert res.returncode == 1, res.stderr
    got = rows(res.stdout)
    assert {k: v[0] for k, v in got.items()} == {
        ("local", "mlflow-tracking"): "UP", ("live", "mlflow-tracking"): "UP",
        ("stopped", "mlflow-tracking"): "DOWN", ("hung", "kubeflow-pipelines"): "TIMEOUT"}
    assert got[("stopped", "mlflow-tracking")][2].startswith("connection refused")
    assert got[("hung", "kubeflow-pipelines")][2].startswith("no answer within 1 s")
    assert res.stdout.splitlines()[-1].startswith("2 of 4 endpoints up, checked ")
    assert "mlhub: probing 4 health URL(s) on 4 cluster(s), 8 at a time, 1 s each" in res.stderr
    assert "Traceback" not in res.stderr

    # the saved report, with its time, is what the site's clusters page shows
    report = health.load(mlflow_server.state_dir)
    assert {r.key: r.status for r in report.results} == {
        ("local", "mlflow-tracking"): Status.up, ("live", "mlflow-tracking"): Status.up,
        ("stopped", "mlflow-tracking"): Status.down, ("hung", "kubeflow-pipelines"): Status.timeout}
    assert abs(dt.datetime.now(dt.UTC) - report.checked_at) < dt.timedelta(minutes=5)
    page = render(load(repo.root, NOW), NOW, health=report)["clusters/index.md"]
    assert "endpoints up." in page and "mlhub-health-timeout" in page

    only = mlhub("clusters", "check", "--root", str(repo.root), "--cluster", "live", "--json", env=env)
    assert only.returncode == 0, only.stderr
    data = json.loads(only.stdout)
    assert [(r["cluster"], r["status"], r["http_status"]) for r in data["results"]] == [("live", "up", 200)]

    unknown = mlhub("clusters", "check", "--root", str(repo.root), "--cluster", "liv", env=env)
    assert unknown.returncode == 2 and "unknown cluster 'liv'; did you mean live?" in unknown.stderr


def test_the_site_build_shows_the_saved_check(repo: Copy, tmp_path):
    state = tmp_path / "state"
    report = Report(dt.datetime(2026, 11, 27, 9, 15, tzinfo=dt.UTC), 5.0, (
        Result("staging-eu", "staging", "kubeflow-pipelines",
               "https://kubeflow.staging-eu.ml.corp.example/pipeline/apis/v2beta1/healthz", Status.timeout,
               "no answer within 5 s"),))
    health.save(report, state)
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1", "MLHUB_STATE_DIR": str(state)}
    env.pop("MLHUB_ROOT", None)
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                         cwd=repo.root, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "site/clusters/index.html").read_text()
    assert "Last health check: 2026-11-27 09:15 UTC" in html and "no answer within 5 s" in html
    assert 'href="https://kubeflow.staging-eu.ml.corp.example/pipeline/"' in html
    katib = (tmp_path / "site/catalog/katib/index.html").read_text()
    assert 'href="../../clusters/#staging-eu"' in katib


def test_list_where_show_and_env_commands():
    res = mlhub("clusters")
    assert res.returncode == 0 and res.stdout.splitlines()[0].split() == ["NAME", "STAGE", "REGION", "TEAM",
                                                                          "SERVICES"]
    assert res.stdout == mlhub("clusters", "list").stdout
    assert mlhub("clusters", "list", "--team", "Recommendations").stdout.splitlines()[1].startswith("dev-us ")
    where = mlhub("clusters", "where", "katib")
    assert where.returncode == 0
    assert [line.split()[0] for line in where.stdout.splitlines()[1:]] == ["sandbox-eu", "dev-eu", "staging-eu"]
    show = mlhub("clusters", "show", "prod-eu")
    assert show.stdout.splitlines()[0] == "prod-eu: production · eu-west-1 · run by ML Platform"
    bad = mlhub("clusters", "where", "feast")
    assert bad.returncode == 2 and "no service matches 'feast'" in bad.stderr and "Traceback" not in bad.stderr
    env = mlhub("clusters", "env", "dev-eu")
    assert env.stdout.splitlines() == ["export MLHUB_CLUSTER=dev-eu",
                                       "export MLFLOW_TRACKING_URI=https://mlflow.dev-eu.ml.corp.example",
                                       "export KFP_HOST=https://kubeflow.dev-eu.ml.corp.example/pipeline"]


# --- status changes ------------------------------------------------------------------------


def report_at(minute: int, *statuses: tuple[str, str, Status]) -> Report:
    when = dt.datetime(2026, 11, 27, 12, minute, tzinfo=dt.UTC)
    return Report(when, 5.0, tuple(Result(c, "staging", s, f"https://{c}.corp.example/{s}/health", st,
                                          "HTTP 200" if st is Status.up else "connection refused",
                                          200 if st is Status.up else None, 0.04 if st is Status.up else 0.01)
                                   for c, s, st in statuses))


@pytest.mark.parametrize("before, after, posted", [
    (None, Status.up, False), (None, Status.down, True), (None, Status.timeout, True),
    (Status.up, Status.up, False), (Status.up, Status.down, True), (Status.up, Status.timeout, True),
    (Status.down, Status.timeout, False), (Status.timeout, Status.down, False),
    (Status.down, Status.up, True), (Status.timeout, Status.up, True), (Status.down, Status.down, False),
])
def test_which_changes_are_announced(before, after, posted):
    assert announced(before, after) is posted


def test_exactly_one_change_per_transition_each_to_the_owning_sig():
    hub = load(REPO, NOW)
    seq = [
        report_at(0, ("staging-eu", "mlflow-tracking", Status.up), ("staging-eu", "katib", Status.up)),
        report_at(5, ("staging-eu", "mlflow-tracking", Status.down), ("staging-eu", "katib", Status.up)),
        report_at(10, ("staging-eu", "mlflow-tracking", Status.down), ("staging-eu", "katib", Status.up)),
        report_at(15, ("staging-eu", "mlflow-tracking", Status.timeout), ("staging-eu", "katib", Status.down)),
        report_at(20, ("staging-eu", "mlflow-tracking", Status.up), ("staging-eu", "katib", Status.down)),
    ]
    posted = [changes(prev, cur, hub) for prev, cur in zip(seq, seq[1:], strict=False)]
    assert [[(c.result.service, c.before, c.after, c.channel) for c in batch] for batch in posted] == [
        [("mlflow-tracking", Status.up, Status.down, "sig-tracking-registry")],
        [],
        [("katib", Status.up, Status.down, "sig-training-tuning")],
        [("mlflow-tracking", Status.timeout, Status.up, "sig-tracking-registry")],
    ]
    down, up = posted[0][0], posted[3][0]
    assert down.sig == "sig-tracking-registry"
    assert down.text == (":red_circle: *MLflow Experiment Tracking* is down on *staging-eu* (staging): connection "
                         "refused. Health URL: <https://staging-eu.corp.example/mlflow-tracking/health>, checked "
                         "2026-11-27 12:05 UTC. It was up at the check of 2026-11-27 12:00 UTC.")
    assert up.text.startswith(":large_green_circle: *MLflow Experiment Tracking* is up again on *staging-eu* "
                              "(staging): HTTP 200 in 0.04 s.")
    assert changes(seq[0], seq[1], hub) == posted[0]  # the same pair of checks gives the same changes


def test_first_check_announces_only_what_is_not_up():
    hub = load(REPO, NOW)
    first = report_at(0, ("dev-eu", "mlflow-tracking", Status.up), ("prod-eu", "kubeflow-pipelines", Status.down),
                      ("dev-eu", "unknown-service", Status.down))
    got = changes(None, first, hub)
    assert [(c.result.cluster, c.sig, c.channel) for c in got] == [
        ("prod-eu", "sig-pipelines", "sig-pipelines"), ("dev-eu", None, None)]
    assert got[0].text.endswith("It is new to the check.")


def test_mrkdwn_in_details_is_escaped():
    hub = load(REPO, NOW)
    res = Result("dev-eu", "dev", "katib", "https://k/health?a=1&b=<2>", Status.down, "HTTP 302: redirects to <x>")
    (c,) = changes(None, Report(NOW, 5.0, (res,)), hub)
    assert "redirects to &lt;x&gt;" in c.text and "<https://k/health?a=1&amp;b=&lt;2&gt;>" in c.text


def test_changes_across_real_checks(double):
    base, handler = double
    hub = load(REPO, NOW)
    probe_targets = [Target("dev-eu", "dev", "kubeflow-pipelines", f"{base}/toggle")]
    first = check(probe_targets, timeout=2.0)
    handler.healthy = False
    second = check(probe_targets, timeout=2.0)
    third = check(probe_targets, timeout=2.0)
    handler.healthy = True
    fourth = check(probe_targets, timeout=2.0)
    got = [[(c.before, c.after, c.result.detail, c.channel) for c in changes(a, b, hub)]
           for a, b in [(None, first), (first, second), (second, third), (third, fourth)]]
    assert got == [[], [(Status.up, Status.down, "HTTP 503", "sig-pipelines")], [],
                   [(Status.down, Status.up, "HTTP 200", "sig-pipelines")]]


# --- the local cluster ---------------------------------------------------------------------


def test_the_embedded_server_is_the_local_cluster_while_it_runs(tmp_path):
    from mlhub.clusters.local import find_local
    from mlhub.services.mlflow_server import MlflowServer, record_path

    assert find_local(tmp_path) is None
    with MlflowServer(tmp_path) as server:
        local = find_local(tmp_path)
        assert str(local.services["mlflow-tracking"].health) == f"{server.url}/health"
        (res,) = check(health.targets([local]), timeout=5.0).results
        assert (res.cluster, res.service, res.status) == ("local", "mlflow-tracking", Status.up)
    assert not record_path(tmp_path).exists() and find_local(tmp_path) is None


def test_a_stale_record_after_a_crash_shows_local_as_down(tmp_path, closed_port):
    from mlhub.services.mlflow_server import forget, record, recorded_url

    (tmp_path / "mlflow").mkdir()
    record(tmp_path, f"http://127.0.0.1:{closed_port}", 999_999)  # left behind by a `kill -9`
    forget(tmp_path, 1)  # another server's stop leaves this record alone
    assert recorded_url(tmp_path) == f"http://127.0.0.1:{closed_port}"
    res = mlhub("clusters", "check", "--cluster", "local", "--timeout", "1", env={"MLHUB_STATE_DIR": str(tmp_path)})
    assert res.returncode == 1
    assert rows(res.stdout)[("local", "mlflow-tracking")][:1] == ["DOWN"]
    record(tmp_path, "https://mlflow.corp.example", 5)  # only a loopback server is the local cluster
    assert recorded_url(tmp_path) is None
