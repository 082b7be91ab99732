"""Clusters as content: each rule on a broken copy, the queries behind `mlhub clusters` and the
bot, the endpoints tutorials read (MLHUB_CLUSTER), and the site's pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mlhub.clusters import ClusterError, endpoints
from mlhub.clusters.health import Report, Result, Status
from mlhub.clusters.local import local_cluster
from mlhub.clusters.query import everywhere, find_services, for_team, show, where
from mlhub.clusters.text import cluster_text, where_text
from mlhub.content import ContentError, load, validate
from mlhub.services.mlflow_server import record
from mlhub.site import render

from .conftest import NOW, REPO, Copy


def add_service(cluster: str, sid: str, **endpoints):
    def mutate(repo: Copy):
        repo.edit_yaml(f"clusters/{cluster}.yaml", lambda d: d["services"].update({sid: endpoints}))
    mutate.__name__ = f"add_{sid}_to_{cluster}".replace("-", "_")
    return mutate


def edit_cluster(cluster: str, fn, name: str):
    def mutate(repo: Copy):
        repo.edit_yaml(f"clusters/{cluster}.yaml", fn)
    mutate.__name__ = name
    return mutate


def katib_not_listed_for_staging(repo: Copy):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(stages=["sandbox", "dev"]))


def cluster_file_renamed(repo: Copy):
    repo.path("clusters/dev-eu.yaml").rename(repo.path("clusters/dev-europe.yaml"))


def cluster_named_local(repo: Copy):
    repo.path("clusters/dev-eu.yaml").rename(repo.path("clusters/local.yaml"))
    repo.edit_yaml("clusters/local.yaml", lambda d: d.update(name="local"))


def cluster_file_with_yml_suffix(repo: Copy):
    repo.path("clusters/dev-eu.yaml").rename(repo.path("clusters/dev-eu.yml"))


def without_model_serving(repo: Copy):
    repo.edit_yaml("clusters/sandbox-eu.yaml", lambda d: d["services"].pop("model-serving"))


def misspelt_team(repo: Copy):
    repo.edit_yaml("clusters/dev-us.yaml", lambda d: d["teams"].append("Serch Relevance"))


def empty_cluster_file(repo: Copy):
    repo.path("clusters/dev-eu.yaml").write_text("# nothing yet\n")


def set_endpoint(cluster, sid, kind, value, name):
    return edit_cluster(cluster, lambda d: d["services"][sid].update({kind: value}), name)


# (mutation, expected "path:field" of the problem, check name): every rule fails on a mutated file
CLUSTER_CASES = [
    (add_service("prod-eu", "katib"), "clusters/prod-eu.yaml:services.katib", "cluster-lifecycle"),
    (add_service("dev-eu", "model-serving"), "clusters/dev-eu.yaml:services.model-serving", "cluster-lifecycle"),
    (katib_not_listed_for_staging, "clusters/staging-eu.yaml:services.katib", "cluster-lifecycle"),
    (add_service("dev-eu", "feature-store"), "clusters/dev-eu.yaml:services.feature-store", "cluster-services"),
    (cluster_file_renamed, "clusters/dev-europe.yaml:name", "cluster-names"),
    (cluster_named_local, "clusters/local.yaml:name", "cluster-names"),
    (set_endpoint("dev-eu", "mlflow-tracking", "api", "mlflow.dev-eu.ml.corp.example", "api_not_a_url"),
     "clusters/dev-eu.yaml:services.mlflow-tracking.api", "schema"),
    (set_endpoint("dev-eu", "kubeflow-pipelines", "health", "ftp://kubeflow/healthz", "health_not_http"),
     "clusters/dev-eu.yaml:services.kubeflow-pipelines.health", "schema"),
    (set_endpoint("dev-eu", "mlflow-tracking", "api", "https://bot:s3cret@mlflow.dev-eu.ml.corp.example",
                  "credentials_in_url"), "clusters/dev-eu.yaml:services.mlflow-tracking.api", "schema"),
    (set_endpoint("dev-eu", "katib", "uri", "https://kubeflow.dev-eu.ml.corp.example/katib/",
                  "unknown_endpoint_key"), "clusters/dev-eu.yaml:services.katib.uri", "schema"),
    (edit_cluster("dev-eu", lambda d: d.update(regoin="eu"), "unknown_cluster_key"),
     "clusters/dev-eu.yaml:regoin", "schema"),
    (edit_cluster("dev-eu", lambda d: d.update(stage="qa"), "unknown_stage"),
     "clusters/dev-eu.yaml:stage", "schema"),
    (edit_cluster("dev-eu", lambda d: d.pop("team"), "missing_team"), "clusters/dev-eu.yaml:team", "schema"),
    (edit_cluster("dev-eu", lambda d: d.update(services={}), "no_services"),
     "clusters/dev-eu.yaml:services", "schema"),
    (cluster_file_with_yml_suffix, "clusters/dev-eu.yml", "files"),
    (empty_cluster_file, "clusters/dev-eu.yaml", "files"),
    (without_model_serving, "catalog/model-serving.yaml:id", "clusters-cover"),
    (misspelt_team, "clusters/dev-us.yaml:teams[2]", "cluster-teams"),
]
WARNINGS = {"clusters-cover", "cluster-teams"}


@pytest.mark.parametrize("mutate, where_, check", CLUSTER_CASES, ids=[c[0].__name__ for c in CLUSTER_CASES])
def test_each_cluster_rule_names_file_and_field(repo: Copy, now, mutate, where_, check):
    mutate(repo)
    _, problems = validate(repo.root, now)
    path, _, field = where_.partition(":")
    assert [(p.check, p.severity) for p in problems if (p.path, p.field) == (path, field)] == [
        (check, "warning" if check in WARNINGS else "error")], [str(p) for p in problems]
    if check in WARNINGS:
        assert len(problems) == 1 and load(repo.root, now).clusters  # a warning alone does not fail loading
        return
    with pytest.raises(ContentError) as exc:
        load(repo.root, now)
    assert where_ in str(exc.value)


def test_lifecycle_messages_say_what_to_do(repo: Copy, now):
    add_service("prod-eu", "katib")(repo)
    katib_not_listed_for_staging(repo)
    _, problems = validate(repo.root, now)
    msgs = {p.path: p.message for p in problems if p.check == "cluster-lifecycle"}
    assert msgs["clusters/prod-eu.yaml"] == ("katib is beta: it may only be enabled on sandbox, dev, staging "
                                             "clusters, not on a production cluster")
    assert msgs["clusters/staging-eu.yaml"].startswith("catalog/katib.yaml does not list staging under `stages`")


def test_a_broken_cluster_file_gives_one_error_not_a_cascade(repo: Copy, now):
    repo.edit_yaml("clusters/sandbox-eu.yaml", lambda d: d.update(stage="qa"))
    _, problems = validate(repo.root, now)
    assert [(p.path, p.field, p.check) for p in problems] == [("clusters/sandbox-eu.yaml", "stage", "schema")]


def test_warnings_say_what_to_do(repo: Copy, now):
    misspelt_team(repo)
    without_model_serving(repo)
    _, problems = validate(repo.root, now)
    assert [str(p) for p in problems] == [
        "catalog/model-serving.yaml:id: warning: no cluster in clusters/ runs model-serving: enable it on one, "
        "or deprecate it",
        "clusters/dev-us.yaml:teams[2]: warning: nobody in community/people.yaml is in team 'Serch Relevance', "
        "so nobody sees this cluster first"]


def test_repository_clusters_cover_every_service_and_respect_the_lifecycle():
    hub = load(REPO, NOW)
    assert [c.name for c in hub.clusters] == ["sandbox-eu", "dev-eu", "dev-us", "staging-eu", "prod-eu"]
    for svc in hub.services:
        assert hub.clusters_running(svc.id), svc.id


# --- queries -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub():
    return load(REPO, NOW)


def test_where_lists_clusters_by_stage_with_endpoints(hub):
    (answer,) = where(hub, "katib", hub.clusters)
    assert answer.service.id == "katib"
    assert [(p.cluster.name, p.cluster.stage.value) for p in answer.placements] == [
        ("sandbox-eu", "sandbox"), ("dev-eu", "dev"), ("staging-eu", "staging")]
    assert str(answer.placements[1].endpoints.ui) == "https://kubeflow.dev-eu.ml.corp.example/katib/"


def test_where_by_words_of_the_name_answers_every_match(hub):
    assert [s.id for s in find_services(hub, "MLflow")] == ["mlflow-registry", "mlflow-tracking"]
    assert [s.id for s in find_services(hub, "  pipelines ")] == ["kubeflow-pipelines"]
    with pytest.raises(ClusterError, match="no service matches 'feast'; services are katib, "):
        find_services(hub, "feast")
    with pytest.raises(ClusterError, match="name a service"):
        find_services(hub, " ")


def test_show_a_cluster_and_unknown_names(hub):
    view = show(hub, "dev-us", hub.clusters)
    assert [p.service_id for p in view.placements] == ["notebooks", "mlflow-tracking", "kubeflow-pipelines"]
    with pytest.raises(ClusterError) as exc:
        show(hub, "prod", hub.clusters)
    assert str(exc.value) == ("unknown cluster 'prod'; did you mean prod-eu? clusters are sandbox-eu, dev-eu, "
                              "dev-us, staging-eu, prod-eu")


def test_answers_carry_the_last_health_result(hub):
    checked = dt.datetime(2026, 11, 27, 11, 0, tzinfo=dt.UTC)
    url = "https://mlflow.dev-eu.ml.corp.example/health"
    report = Report(checked, 5.0, (Result("dev-eu", "dev", "mlflow-tracking", url, Status.down,
                                          "connection refused"),))
    answers = where(hub, "mlflow-tracking", hub.clusters, report)
    by_cluster = {p.cluster.name: p.health for p in answers[0].placements}
    assert by_cluster["dev-eu"].status is Status.down and by_cluster["dev-us"] is None
    text = where_text(answers, report)
    assert "  dev-eu      dev      down (connection refused, 2026-11-27 11:00 UTC)  ui https://mlflow.dev-eu" \
           ".ml.corp.example/ · api https://mlflow.dev-eu.ml.corp.example · health https://mlflow.dev-eu.ml.corp." \
           "example/health" in text.splitlines()
    slack = where_text(answers, report, slack=True)
    assert slack.splitlines()[0] == ("*MLflow Experiment Tracking* (`mlflow-tracking`, beta, owned by "
                                     "sig-tracking-registry)")
    assert ("• *dev-eu* (dev): <https://mlflow.dev-eu.ml.corp.example/|ui> · <https://mlflow.dev-eu.ml.corp."
            "example|api> · <https://mlflow.dev-eu.ml.corp.example/health|health> · down (connection refused, "
            "2026-11-27 11:00 UTC)") in slack


def test_cluster_text_plain_and_slack(hub):
    view = show(hub, "sandbox-eu", hub.clusters)
    plain = cluster_text(view)
    assert plain.splitlines()[0] == "sandbox-eu: sandbox · eu-west-1 · run by ML Platform"
    assert "training-jobs       alpha         TrainJobs are submitted with the Kubeflow SDK from a notebook." \
        in plain
    slack = cluster_text(view, slack=True)
    assert "• *Model Serving* (experimental): <https://serving.sandbox-eu.ml.corp.example|api>" in slack


def test_a_service_on_no_cluster_says_so(hub):
    answers = where(hub, "katib", [c for c in hub.clusters if c.name == "prod-eu"])
    assert where_text(answers).endswith("  runs on no cluster yet")


def test_teams_see_their_clusters_first(hub):
    order = [c.name for c in for_team(hub.clusters, "search relevance")]
    assert order == ["dev-us", "sandbox-eu", "dev-eu", "staging-eu", "prod-eu"]
    assert for_team(hub.clusters, None) == hub.clusters


def test_the_local_cluster_comes_first_while_it_runs(hub):
    local = local_cluster("http://127.0.0.1:5999/")
    known = everywhere(hub, local)
    assert known[0].name == "local" and known[1:] == hub.clusters
    view = show(hub, "local", known)
    assert {p.service_id: str(p.endpoints.health) for p in view.placements if p.endpoints.health} == {
        "mlflow-tracking": "http://127.0.0.1:5999/health"}


# --- MLHUB_CLUSTER -------------------------------------------------------------------------


def test_endpoints_of_a_named_cluster():
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_CLUSTER": "dev-eu", "MLFLOW_TRACKING_URI": "http://ignored:5000"}
    ep = endpoints(env=env)
    assert (ep.cluster, ep.stage, ep.mlflow_tracking_uri, ep.kfp_host) == (
        "dev-eu", "dev", "https://mlflow.dev-eu.ml.corp.example", "https://kubeflow.dev-eu.ml.corp.example/pipeline")
    assert ep.notebook_hub == "https://kubeflow.dev-eu.ml.corp.example/jupyter/" and ep.serving_url is None
    assert ep.env() == {"MLHUB_CLUSTER": "dev-eu", "MLFLOW_TRACKING_URI": "https://mlflow.dev-eu.ml.corp.example",
                        "KFP_HOST": "https://kubeflow.dev-eu.ml.corp.example/pipeline"}
    sandbox = endpoints("sandbox-eu", env=env)  # the argument wins over the variable
    assert sandbox.model_url("churn", "risk") == "https://churn-risk.serving.sandbox-eu.ml.corp.example"
    assert sandbox.kfp_host == "https://kubeflow.sandbox-eu.ml.corp.example/pipeline"


def test_endpoints_of_the_local_cluster(tmp_path):
    env = {"MLHUB_ROOT": str(REPO), "MLHUB_STATE_DIR": str(tmp_path)}
    with pytest.raises(ClusterError, match="the local cluster is not running: start it with `make up`"):
        endpoints(env=env)
    (tmp_path / "mlflow").mkdir()
    record(tmp_path, "http://127.0.0.1:5123", 4242)  # what the embedded server leaves while it runs
    ep = endpoints(env=env)
    assert (ep.cluster, ep.mlflow_tracking_uri, ep.mlflow_ui, ep.kfp_host) == (
        "local", "http://127.0.0.1:5123", "http://127.0.0.1:5123/", None)
    ep = endpoints(env=env | {"MLFLOW_TRACKING_URI": "https://mlflow.corp.example", "KFP_HOST": "https://kfp.corp"})
    assert (ep.mlflow_tracking_uri, ep.kfp_host) == ("https://mlflow.corp.example", "https://kfp.corp")


def test_endpoints_errors_name_what_to_fix(tmp_path):
    with pytest.raises(ClusterError, match="unknown cluster 'dev'; did you mean dev-eu or dev-us"):
        endpoints(env={"MLHUB_ROOT": str(REPO), "MLHUB_CLUSTER": "dev"})
    with pytest.raises(ClusterError, match=f"no clusters/ folder in {tmp_path}: set MLHUB_ROOT"):
        endpoints("dev-eu", env={"MLHUB_ROOT": str(tmp_path)})
    with pytest.raises(ClusterError, match="unknown setting"):
        endpoints(env={"MLHUB_ROOT": str(REPO), "MLHUB_CLUSTR": "dev-eu"})


# --- site ----------------------------------------------------------------------------------


def test_clusters_page_and_service_pages(hub):
    report = Report(dt.datetime(2026, 11, 27, 11, 30, tzinfo=dt.UTC), 5.0, (
        Result("dev-eu", "dev", "mlflow-tracking", "https://mlflow.dev-eu.ml.corp.example/health", Status.up,
               "HTTP 200", 200, 0.05),
        Result("dev-eu", "dev", "kubeflow-pipelines", "https://kubeflow.dev-eu.ml.corp.example/pipeline/apis/"
               "v2beta1/healthz", Status.timeout, "no answer within 5 s")))
    pages = render(hub, NOW, health=report)
    page = pages["clusters/index.md"]
    assert "**Last health check: 2026-11-27 11:30 UTC**: 1 of 2 endpoints up." in page
    assert "## dev-eu {#dev-eu}" in page and "## local {#local}" in page
    assert ("| [MLflow Experiment Tracking](../catalog/mlflow-tracking.md) | "
            '<span class="mlhub-badge mlhub-maturity-beta">beta</span> | '
            "[UI](https://mlflow.dev-eu.ml.corp.example/) · [API](https://mlflow.dev-eu.ml.corp.example) · "
            "[health](https://mlflow.dev-eu.ml.corp.example/health) | "
            '<span class="mlhub-badge mlhub-health-up">up</span> HTTP 200 |') in page
    assert '<span class="mlhub-badge mlhub-health-timeout">timeout</span> no answer within 5 s' in page
    assert "| [prod-eu](#prod-eu) | production | eu-west-1 | ML Platform |" in page
    katib = pages["catalog/katib.md"]
    assert "## Where it runs" in katib
    assert ("| [staging-eu](../clusters/index.md#staging-eu) | staging | "
            "[UI](https://kubeflow.staging-eu.ml.corp.example/katib/) |") in katib
    assert "Not checked yet" in render(hub, NOW)["clusters/index.md"]
    data = json.loads(pages["api/hub.json"])
    assert [c["name"] for c in data["clusters"]] == [c.name for c in hub.clusters]


def test_an_old_report_says_how_old(hub):
    report = Report(NOW - dt.timedelta(days=3), 5.0, ())
    assert "That was 3 day(s) before this page was built." in render(hub, NOW, health=report)["clusters/index.md"]


def test_tutorials_read_the_endpoints_of_the_cluster_the_reader_picks():
    from mlhub.golden.endpoints import from_env

    base = {"MLHUB_ROOT": str(REPO), "MLHUB_WAREHOUSE_URL": "sqlite:////tmp/w.sqlite"}
    ep = from_env(base | {"MLHUB_CLUSTER": "dev-eu", "MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"})
    assert (ep.tracking_uri, ep.kfp_host) == ("https://mlflow.dev-eu.ml.corp.example",
                                              "https://kubeflow.dev-eu.ml.corp.example/pipeline")
    local = from_env(base | {"MLHUB_CLUSTER": "local", "MLFLOW_TRACKING_URI": "http://127.0.0.1:5000"})
    assert (local.tracking_uri, local.kfp_host) == ("http://127.0.0.1:5000", None)
    with pytest.raises(RuntimeError, match="MLHUB_CLUSTER=dev: unknown cluster 'dev'; did you mean dev-eu"):
        from_env(base | {"MLHUB_CLUSTER": "dev"})
    with pytest.raises(RuntimeError, match="MLFLOW_TRACKING_URI not set: on the platform pick your cluster"):
        from_env(base)
