"""The endpoints tutorials and docs use: those of the cluster the reader picks with MLHUB_CLUSTER
(default `local`, the embedded services of `make up`), never a hard-coded URL.

    from mlhub.clusters import endpoints
    ep = endpoints()                         # or endpoints("dev-eu")
    mlflow.set_tracking_uri(ep.mlflow_tracking_uri)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from mlhub.clusters.local import LOCAL, local_cluster
from mlhub.clusters.query import ClusterError, endpoint, find_cluster
from mlhub.content.models import Cluster

# Endpoints field -> (catalog service, ClusterService field): the one place that says which
# endpoint of which service a client library is pointed at.
SOURCES: dict[str, tuple[str, str]] = {
    "mlflow_tracking_uri": ("mlflow-tracking", "api"),
    "mlflow_ui": ("mlflow-tracking", "ui"),
    "kfp_host": ("kubeflow-pipelines", "api"),
    "pipelines_ui": ("kubeflow-pipelines", "ui"),
    "notebook_hub": ("notebooks", "ui"),
    "serving_url": ("model-serving", "api"),
}


@dataclass(frozen=True)
class Endpoints:
    """Where a client reaches each service on one cluster; None where the cluster lacks it
    (`kfp_host` None means: run pipelines here with kfp.local)."""

    cluster: str
    stage: str
    mlflow_tracking_uri: str | None = None
    mlflow_ui: str | None = None
    kfp_host: str | None = None
    pipelines_ui: str | None = None
    notebook_hub: str | None = None
    serving_url: str | None = None  # base URL of the model serving domain

    def env(self) -> dict[str, str]:
        """The environment variables client libraries read (MLFLOW_TRACKING_URI, KFP_HOST)."""
        out = {"MLHUB_CLUSTER": self.cluster}
        if self.mlflow_tracking_uri:
            out["MLFLOW_TRACKING_URI"] = self.mlflow_tracking_uri
        if self.kfp_host:
            out["KFP_HOST"] = self.kfp_host
        return out

    def model_url(self, name: str, namespace: str) -> str | None:
        """Where a KServe InferenceService answers, with KServe's default domain template
        `{Name}-{Namespace}.{IngressDomain}`."""
        if not self.serving_url:
            return None
        base = urlsplit(self.serving_url)
        return f"{base.scheme}://{name}-{namespace}.{base.netloc}"


def of(cluster: Cluster) -> Endpoints:
    """The endpoints of one cluster, from its file (API URLs without a trailing slash)."""
    values: dict[str, str | None] = {}
    for name, (sid, kind) in SOURCES.items():
        svc = cluster.services.get(sid)
        values[name] = endpoint(svc, kind) if svc else None
    return Endpoints(cluster.name, cluster.stage.value, **values)


def endpoints(cluster: str | None = None, env: Mapping[str, str] | None = None) -> Endpoints:
    """The endpoints of `cluster`, else of MLHUB_CLUSTER, else of the local cluster: the MLflow
    server named by MLFLOW_TRACKING_URI or the one `make up` runs, and KFP_HOST or kfp.local."""
    from mlhub.config import Config, ConfigError

    env = os.environ if env is None else env
    name = (cluster or env.get("MLHUB_CLUSTER") or LOCAL).strip()
    try:
        cfg = Config.from_env(env)
    except ConfigError as exc:
        raise ClusterError(str(exc)) from None
    if name == LOCAL:
        from mlhub.services.mlflow_server import recorded_url

        uri = env.get("MLFLOW_TRACKING_URI") or recorded_url(cfg.state_dir)
        if not uri:
            raise ClusterError("the local cluster is not running: start it with `make up` or "
                               "`mlhub services up`, or pick a cluster with MLHUB_CLUSTER "
                               "(`mlhub clusters` lists them)")
        return replace(of(local_cluster(uri)), kfp_host=env.get("KFP_HOST") or None)
    if not (cfg.root / "clusters").is_dir():
        raise ClusterError(f"no clusters/ folder in {cfg.root}: set MLHUB_ROOT to the hub's checkout")
    from mlhub.content import load

    return of(find_cluster(load(cfg.root).clusters, name))
