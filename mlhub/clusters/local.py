"""The local cluster: the embedded services that `make up` starts on this machine."""

from __future__ import annotations

from pathlib import Path

from mlhub.content.models import Cluster
from mlhub.services.mlflow_server import recorded_url

LOCAL = "local"


def local_cluster(mlflow_uri: str) -> Cluster:
    """The local cluster around an MLflow server: a sandbox with tracking, the registry in the
    same server, and Kubeflow Pipelines through kfp.local."""
    uri = mlflow_uri.rstrip("/")
    return Cluster.model_validate({
        "name": LOCAL, "stage": "sandbox", "region": "this machine", "team": "you",
        "description": "The embedded services that `make up` (or `mlhub services up`) starts: a real "
                       "MLflow server on 127.0.0.1, and Kubeflow Pipelines through kfp.local.",
        "services": {
            "mlflow-tracking": {"ui": f"{uri}/", "api": uri, "health": f"{uri}/health"},
            "mlflow-registry": {"ui": f"{uri}/#/models", "api": uri,
                                "note": "The registry is part of the embedded MLflow server."},
            "kubeflow-pipelines": {"note": "kfp.local runs each pipeline step in its own process: "
                                           "there is no server to reach."},
        },
    })


def find_local(state_dir: Path) -> Cluster | None:
    """The local cluster while `make up` or `mlhub services up` runs its MLflow server, else None."""
    url = recorded_url(state_dir)
    return local_cluster(url) if url else None
