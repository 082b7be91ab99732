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

    def down(self, timeout: float = 5.0) -> list[str]:
        """What of these services does not answer now, one phrase each (empty when all do): MLflow
        with its backend store, the object store, the warehouse, the Kubernetes API. Verification
        asks after a failure, to tell an infrastructure error from a broken tutorial."""
        out = []
        # a search reads MLflow's database: /health alone answers while PostgreSQL is down
        status = http_status(f"{self.mlflow_uri}/api/2.0/mlflow/experiments/search?max_results=1", timeout)
        if status != 200:
            out.append(f"MLflow at {self.mlflow_uri} " + (f"answers HTTP {status}" if status else "does not answer"))
        if (s3 := self.client_env.get("MLFLOW_S3_ENDPOINT_URL")) and http_status(s3, timeout) is None:
            out.append(f"the object store at {s3} does not answer")
        if self.warehouse_url and (problem := database_down(self.warehouse_url, timeout)):
            out.append(problem)
        if self.kube_api and http_status(f"{self.kube_api}/version", timeout) is None:
            out.append(f"the Kubernetes API at {self.kube_api} does not answer")
        return out

    def describe(self) -> str:
        kfp = f"Kubeflow Pipelines at {self.kfp_host}" if self.kfp_host else "Kubeflow Pipelines (kfp.local)"
        kube = "the Kubernetes API double" if self.kube_double is not None else f"Kubernetes API {self.kube_api}"
        return f"MLflow {self.mlflow_version} at {self.mlflow_uri} · {kfp} {self.kfp_version} · {kube}"


def http_status(url: str, timeout: float) -> int | None:
    """The HTTP status a GET gets (any status: the server answers), or None when nothing answers."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - the hub's own services
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def database_down(url: str, timeout: float) -> str | None:
    """None when the database at `url` takes a connection, else what is wrong (no password shown)."""
    import sqlalchemy as sa

    from mlhub.golden.warehouse import safe_url

    args = {"connect_timeout": int(max(1, timeout))} if url.startswith("postgresql") else {}
    engine = sa.create_engine(url, connect_args=args)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the answer
        first = (str(getattr(exc, "orig", exc)) or type(exc).__name__).strip().splitlines()[0]
        return f"the warehouse {safe_url(url)} refuses connections ({first})"
    finally:
        engine.dispose()


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
                  artifact_store: str | None = None, kube_api: str | None = None, root: Path | None = None,
                  profile: str | None = None, client_env: dict[str, str] | None = None):
    """Yield the live services: an embedded MLflow server unless an MLflow URI is given, the
    warehouse (created when empty), and the Kubernetes API (the double unless one is named).
    `profile` marks a given MLflow URI as the hub's own (the platform profile's server), whose
    clients need `client_env` (the object store's endpoint and keys)."""
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
            yield Live(url, server_version(url), profile is not None, kfp_host, warehouse_url, artifact_store,
                       kube_api, double, profile=profile or "embedded", client_env=client_env or {})
            return
        server = stack.enter_context(MlflowServer(state_dir, extra_env=extra_mlflow_env or {}))
        yield Live(server.url, server_version(server.url), True, kfp_host, warehouse_url,
                   str(state_dir / "mlflow" / "artifacts"), kube_api, double)
