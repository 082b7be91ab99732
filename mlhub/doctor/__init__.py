"""`mlhub doctor`: check every service the hub is given (MLflow, its database, the bot's store,
the object store, Kubeflow's endpoints) at once, and say what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from mlhub.clusters import health
from mlhub.content.models import Cluster
from mlhub.doctor import checks
from mlhub.doctor.checks import Finding, Status
from mlhub.doctor.given import Given, GivenError

__all__ = ["Finding", "Given", "GivenError", "Status", "diagnose", "table"]

KFP_HEALTH = "/apis/v2beta1/healthz"


def _skipped(component: str, why: str) -> Finding:
    return Finding(component, "", Status.skipped, detail=why)


def diagnose(given: Given, cluster: Cluster | None = None, timeout: float = 5.0,
             concurrency: int = 8) -> list[Finding]:
    """Every check, in a fixed order. HTTP endpoints go through the clusters' concurrent health
    probe; the database and bucket checks run beside it."""
    targets: list[health.Target] = []
    if given.mlflow_uri:
        targets.append(health.Target("doctor", "", "mlflow", f"{given.mlflow_uri.rstrip('/')}/health"))
    if given.kfp_host:
        targets.append(health.Target("doctor", "", "kubeflow pipelines", given.kfp_host.rstrip("/") + KFP_HEALTH))
    if cluster is not None:
        targets += health.targets([cluster])
    with ThreadPoolExecutor(3, thread_name_prefix="mlhub-doctor") as pool:
        mlflow_db = bot_db = store = None
        if given.mlflow_db:
            mlflow_db = pool.submit(checks.database, "mlflow database", given.mlflow_db, given.db_password,
                                    timeout, checks.mlflow_migrations)
        if given.bot_db:
            bot_db = pool.submit(checks.database, "bot store", given.bot_db, given.db_password, timeout,
                                 checks.bot_migrations)
        if given.artifacts:
            store = pool.submit(checks.object_store, given.s3_endpoint, given.artifacts, given.s3_credentials,
                                timeout)
        report = health.check(targets, timeout=timeout, concurrency=concurrency)
        found = {r.service: r for r in report.results if r.cluster == "doctor"}
        out = [_mlflow(given, found.get("mlflow")),
               mlflow_db.result() if mlflow_db else _skipped("mlflow database", "MLHUB_MLFLOW_DB not set"),
               bot_db.result() if bot_db else _skipped("bot store", "MLHUB_BOT_DB not set"),
               store.result() if store else _skipped("object store", "MLHUB_ARTIFACTS_URI not set")]
    if res := found.get("kubeflow pipelines"):
        out.append(checks.http_finding("kubeflow pipelines", res,
                                       fix="check KFP_HOST: the Pipelines API must answer " + KFP_HEALTH))
    else:
        out.append(_skipped("kubeflow pipelines", "KFP_HOST not set: pipelines run here with kfp.local"))
    out += [checks.http_finding(f"{r.cluster}: {r.service}", r,
                                fix=f"the health URL in clusters/{r.cluster}.yaml must answer HTTP 200")
            for r in report.results if r.cluster != "doctor"]
    return out


def _mlflow(given: Given, res: health.Result | None) -> Finding:
    if res is None or not given.mlflow_uri:
        return _skipped("mlflow", "MLFLOW_TRACKING_URI not set")
    from mlhub.services.mlflow_server import server_version

    version = server_version(given.mlflow_uri.rstrip("/")) if res.status is health.Status.up else ""
    return checks.http_finding("mlflow", res, version,
                               fix="start the MLflow server, or fix MLFLOW_TRACKING_URI (GET /health must answer 200)")


def table(findings: Sequence[Finding]) -> str:
    """The findings as columns, a summary line, then what to fix for each failure."""
    from mlhub.clusters.text import columns

    rows = [["COMPONENT", "STATUS", "VERSION", "TARGET", "DETAIL"]]
    rows += [[f.component, f.status.value.upper(), f.version, f.target, f.detail] for f in findings]
    failed = [f for f in findings if f.status is Status.fail]
    checked = [f for f in findings if f.status is not Status.skipped]
    lines = [columns(rows), "",
             f"{len(checked) - len(failed)} of {len(checked)} checks passed"
             + (f", {len(findings) - len(checked)} not configured" if len(checked) < len(findings) else "")]
    if failed:
        lines += ["", "What to fix:"] + [f"  {f.component}: {f.fix or f.detail}" for f in failed]
    return "\n".join(lines)
