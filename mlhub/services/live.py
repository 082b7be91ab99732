"""Which live services tutorials run against: the embedded defaults, or the ones the environment
names (MLFLOW_TRACKING_URI, KFP_HOST), like a user's notebook on the platform."""

from __future__ import annotations

import importlib.metadata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from mlhub.services.mlflow_server import MlflowServer, ServiceError, healthy, server_version


@dataclass(frozen=True)
class Live:
    mlflow_uri: str
    mlflow_version: str
    mlflow_embedded: bool
    kfp_host: str | None
    profile: str = "embedded"  # which of the hub's own profiles runs MLflow (mlhub.services.profile)
    client_env: dict[str, str] = field(default_factory=dict, repr=False)  # the object store's endpoint and keys

    @property
    def mlflow_target(self) -> str:
        return self.profile if self.mlflow_embedded else self.mlflow_uri

    @property
    def kfp_target(self) -> str:
        return self.kfp_host or "local"

    @property
    def kfp_version(self) -> str:
        return importlib.metadata.version("kfp")

    def env(self) -> dict[str, str]:
        """What a tutorial's kernel gets, as a notebook server on the platform would."""
        # MLHUB_CLUSTER=local: a reader's own choice of cluster never redirects verification
        out = {**self.client_env, "MLFLOW_TRACKING_URI": self.mlflow_uri, "MLHUB_CLUSTER": "local"}
        if self.kfp_host:
            out["KFP_HOST"] = self.kfp_host
        return out

    def describe(self) -> str:
        kfp = f"Kubeflow Pipelines at {self.kfp_host}" if self.kfp_host else "Kubeflow Pipelines (kfp.local)"
        return f"MLflow {self.mlflow_version} at {self.mlflow_uri} · {kfp} {self.kfp_version}"


@contextmanager
def live_services(state_dir: Path, mlflow_uri: str | None = None, kfp_host: str | None = None,
                  extra_mlflow_env: dict | None = None):
    """Yield the live services, starting an embedded MLflow server unless an MLflow URI is given
    (MLFLOW_TRACKING_URI in the configuration)."""
    external = mlflow_uri
    if external:
        if external.startswith("http") and not healthy(external.rstrip("/"), timeout=5):
            raise ServiceError(f"MLFLOW_TRACKING_URI={external} does not answer on /health")
        yield Live(external.rstrip("/"), server_version(external.rstrip("/")), False, kfp_host)
        return
    with MlflowServer(state_dir, extra_env=extra_mlflow_env or {}) as server:
        yield Live(server.url, server_version(server.url), True, kfp_host)
