"""Which live services tutorials run against: the embedded defaults, or the ones the environment
names (MLFLOW_TRACKING_URI, KFP_HOST, MLHUB_WAREHOUSE_URL, MLHUB_KUBE_API), like a user's notebook
on the platform. With no Kubernetes API named, the local Kubernetes API double stands in."""

from __future__ import annotations

import importlib.metadata
import sys
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from mlhub.services.mlflow_server import MlflowServer, ServiceError, healthy, server_version


class KubeDouble(Protocol):
    """What verification reads of the Kubernetes API double (tests/fakes/kube.py): the calls it answered."""

    calls: list[Any]


@dataclass(frozen=True)
class Live:
    mlflow_uri: str
    mlflow_version: str
    mlflow_embedded: bool
    kfp_host: str | None
    warehouse_url: str = ""
    artifact_store: str | None = None
    kube_api: str | None = None
    kube_double: KubeDouble | None = None  # the local double when it stands in for a cluster
    profile: str = "embedded"  # which of the hub's own profiles runs MLflow (mlhub.services.profile)
    client_env: dict[str, str] = field(default_factory=dict, repr=False)  # the object store's endpoint and keys

    @property
    def mlflow_target(self) -> str:
        return self.profile if self.mlflow_embedded else self.mlflow_uri

    @property
    def kfp_target(self) -> str:
        return self.kfp_host or "local"

    @property
    def kube_target(self) -> str:
        return "double" if self.kube_double is not None else (self.kube_api or "none")

    @property
    def kfp_version(self) -> str:
        return importlib.metadata.version("kfp")

    def env(self) -> dict[str, str]:
        """What a tutorial's kernel gets, as a notebook server on the platform would."""
        # MLHUB_CLUSTER=local: a reader's own choice of cluster never redirects verification
        out = {**self.client_env, "MLFLOW_TRACKING_URI": self.mlflow_uri, "MLHUB_CLUSTER": "local"}
        if self.warehouse_url:
            out["MLHUB_WAREHOUSE_URL"] = self.warehouse_url
        for key, value in (("KFP_HOST", self.kfp_host), ("MLHUB_ARTIFACT_STORE", self.artifact_store),
                           ("MLHUB_KUBE_API", self.kube_api)):
            if value:
                out[key] = value
        return out

    def describe(self) -> str:
        kfp = f"Kubeflow Pipelines at {self.kfp_host}" if self.kfp_host else "Kubeflow Pipelines (kfp.local)"
        kube = "the Kubernetes API double" if self.kube_double is not None else f"Kubernetes API {self.kube_api}"
        return f"MLflow {self.mlflow_version} at {self.mlflow_uri} · {kfp} {self.kfp_version} · {kube}"


def start_kube_double(root: Path):
    """The Kubernetes API double from tests/fakes (it lives with the other doubles): the content
    checkout's, else the one this mlhub was installed from."""
    found = [r for r in (root, Path(__file__).resolve().parents[2]) if (r / "tests" / "fakes" / "kube.py").is_file()]
    if not found:
        raise ServiceError(f"no Kubernetes API named (MLHUB_KUBE_API) and no double in {root / 'tests/fakes'}")
    if str(found[0]) not in sys.path:
        sys.path.insert(0, str(found[0]))
    from tests.fakes.kube import FakeKubernetes

    return FakeKubernetes().start()


@contextmanager
def live_services(state_dir: Path, mlflow_uri: str | None = None, kfp_host: str | None = None,
                  extra_mlflow_env: dict | None = None, warehouse_url: str | None = None,
                  artifact_store: str | None = None, kube_api: str | None = None, root: Path | None = None):
    """Yield the live services: an embedded MLflow server unless an MLflow URI is given, the
    warehouse (created when empty), and the Kubernetes API (the double unless one is named)."""
    from mlhub.golden import warehouse

    warehouse_url = warehouse_url or warehouse.default_url(state_dir)
    try:
        warehouse.ensure(warehouse_url)
    except Exception as exc:  # the database is not reachable: infrastructure, not a tutorial
        raise ServiceError(f"warehouse {warehouse.safe_url(warehouse_url)}: {exc}") from exc
    with ExitStack() as stack:
        double = None
        if not kube_api:
            double = start_kube_double(root or Path.cwd())
            stack.callback(double.stop)
            kube_api = double.base_url
        if mlflow_uri:
            url = mlflow_uri.rstrip("/")
            if url.startswith("http") and not healthy(url, timeout=5):
                raise ServiceError(f"MLFLOW_TRACKING_URI={mlflow_uri} does not answer on /health")
            yield Live(url, server_version(url), False, kfp_host, warehouse_url, artifact_store, kube_api, double)
            return
        server = stack.enter_context(MlflowServer(state_dir, extra_env=extra_mlflow_env or {}))
        yield Live(server.url, server_version(server.url), True, kfp_host, warehouse_url,
                   str(state_dir / "mlflow" / "artifacts"), kube_api, double)
