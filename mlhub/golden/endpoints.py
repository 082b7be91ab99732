"""Where the golden path's services are, read from the environment only: the tutorials never name
a host, so the same notebook runs on a laptop, in CI and on the platform's clusters."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# key -> default when unset (None: that service is not configured)
KEYS = {
    "MLFLOW_TRACKING_URI": None,
    "MLHUB_WAREHOUSE_URL": None,
    "MLHUB_ARTIFACT_STORE": None,
    "KFP_HOST": None,
    "MLHUB_KUBE_API": None,
    "MLHUB_KUBE_NAMESPACE": (DEFAULT_NAMESPACE := "mlhub"),
    "MLHUB_NAMESPACE": "",
}


@dataclass(frozen=True)
class Endpoints:
    tracking_uri: str
    warehouse_url: str
    artifact_store: str | None  # where the MLflow server keeps artifacts (its --artifacts-destination)
    kfp_host: str | None
    kube_api: str | None  # a Kubernetes API server URL; None: the kubeconfig or in-cluster account, if any
    kube_namespace: str
    prefix: str  # put on every MLflow name a tutorial creates, to share one server safely

    def describe(self) -> str:
        """One line for a notebook's output: hosts only, never a credential."""
        kube = _host(self.kube_api) if self.kube_api else ("your kubeconfig" if _kubeconfig() else "none")
        return (f"MLflow {_host(self.tracking_uri)} · warehouse {_host(self.warehouse_url)} · "
                f"Kubeflow Pipelines {_host(self.kfp_host) if self.kfp_host else 'local runner'} · "
                f"Kubernetes API {kube}")


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return f"{parts.scheme}:///{Path(parts.path.lstrip('/')).name}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path if not parts.hostname else ''}"


def _kubeconfig() -> bool:
    return Path(os.environ.get("KUBECONFIG", Path.home() / ".kube" / "config")).is_file() or \
        bool(os.environ.get("KUBERNETES_SERVICE_HOST"))


def cluster_env(env: Mapping[str, str]) -> dict[str, str]:
    """MLFLOW_TRACKING_URI and KFP_HOST of the cluster MLHUB_CLUSTER picks (clusters/NAME.yaml); a
    named cluster wins over those variables, as in mlhub.clusters.endpoints; nothing for `local`."""
    name = (env.get("MLHUB_CLUSTER") or "").strip()
    if not name or name == "local":
        return {}
    from mlhub.clusters.endpoints import endpoints
    from mlhub.clusters.query import ClusterError

    try:
        return endpoints(name, env).env()
    except ClusterError as exc:
        raise RuntimeError(f"MLHUB_CLUSTER={name}: {exc}") from None


def from_env(env: Mapping[str, str] | None = None) -> Endpoints:
    env = os.environ if env is None else env
    env = {**env, **cluster_env(env)}
    missing = [k for k in ("MLFLOW_TRACKING_URI", "MLHUB_WAREHOUSE_URL") if not env.get(k)]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not set: on the platform pick your cluster with MLHUB_CLUSTER "
                           "(`mlhub clusters` lists them) or let your notebook server set them; on a laptop run "
                           "`mlhub services up` and export what it prints")
    return Endpoints(
        tracking_uri=env["MLFLOW_TRACKING_URI"], warehouse_url=env["MLHUB_WAREHOUSE_URL"],
        artifact_store=env.get("MLHUB_ARTIFACT_STORE") or None, kfp_host=env.get("KFP_HOST") or None,
        kube_api=env.get("MLHUB_KUBE_API") or None,
        kube_namespace=env.get("MLHUB_KUBE_NAMESPACE") or DEFAULT_NAMESPACE,
        prefix=env.get("MLHUB_NAMESPACE", ""),
    )


def kubernetes(endpoints: Endpoints):
    """The Kubeflow SDK's backend config for the Kubernetes API named by the environment, or None
    when no cluster is configured."""
    from kubeflow.common.types import KubernetesBackendConfig

    if endpoints.kube_api:
        from kubernetes import client

        conf = client.Configuration()
        conf.host = endpoints.kube_api
        return KubernetesBackendConfig(namespace=endpoints.kube_namespace, client_configuration=conf)
    if _kubeconfig():
        return KubernetesBackendConfig(namespace=endpoints.kube_namespace)
    return None
