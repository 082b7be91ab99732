"""Configuration, read once from the environment and typed. Every key is documented in
docs/reference/config.md (a test checks it). Secrets are wrapped so they never print."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# key -> one-line meaning; the reference docs have a heading per key.
KEYS: dict[str, str] = {
    "MLHUB_ROOT": "The repository checkout to read content from.",
    "MLHUB_SITE_ADDR": "Address `mlhub up` and `mlhub site serve` bind.",
    "MLHUB_STATE_DIR": "Folder for live state: the publishing outbox, MLflow's data, verification records.",
    "MLHUB_NAMESPACE": "Prefix tutorials put on the MLflow names they create.",
    "MLHUB_BOT_DB": "Database URL of the bot's store.",
    "MLHUB_BOT_PORT": "Port of the bot's HTTP mode on 127.0.0.1.",
    "MLHUB_WEBHOOK_SECRET": "Shared secret of the MLflow registry webhook.",
    "MLHUB_REGISTRY_FALLBACK_CHANNEL": "Channel for registry events of models no SIG owns.",
    "MLFLOW_TRACKING_URI": "An MLflow server to use instead of starting the embedded one.",
    "KFP_HOST": "A Kubeflow Pipelines cluster to run tutorials on instead of kfp.local.",
    "MLHUB_WAREHOUSE_URL": "SQLAlchemy URL of the warehouse the golden path extracts from.",
    "MLHUB_ARTIFACT_STORE": "Where the MLflow server keeps artifacts, for storage URIs a cluster fetches.",
    "MLHUB_KUBE_API": "A Kubernetes API server for the cluster half of the tutorials.",
    "MLHUB_KUBE_NAMESPACE": "The Kubernetes namespace tutorials create Kubeflow objects in.",
    "GITHUB_URL": "GitHub API to publish pull requests to.",
    "GITHUB_TOKEN": "Token for GITHUB_URL (secret).",
    "GITHUB_REPO": "owner/name of the hub's repository on GitHub.",
}
DEFAULT_SITE_ADDR = "127.0.0.1:8000"


class ConfigError(Exception):
    pass


class Secret:
    """A secret value: str() and repr() never show it; .reveal() does, at the point of use."""

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class GitHubConfig:
    url: str
    token: Secret
    owner: str
    name: str


@dataclass(frozen=True)
class Config:
    root: Path
    site_addr: str
    state_dir: Path
    github: GitHubConfig | None
    mlflow_tracking_uri: str | None = None
    kfp_host: str | None = None
    warehouse_url: str | None = None  # None: the embedded SQLite file in the state folder
    artifact_store: str | None = None
    kube_api: str | None = None  # None: the Kubernetes API double

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        unknown = sorted(k for k in env if k.startswith("MLHUB_") and k not in KEYS)
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; known: "
                              f"{', '.join(k for k in KEYS if k.startswith('MLHUB_'))}")
        root = Path(env["MLHUB_ROOT"]) if env.get("MLHUB_ROOT") else find_root(Path.cwd())
        addr = env.get("MLHUB_SITE_ADDR") or DEFAULT_SITE_ADDR
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"MLHUB_SITE_ADDR must be HOST:PORT, got {addr!r}")
        state = Path(env["MLHUB_STATE_DIR"]) if env.get("MLHUB_STATE_DIR") else root / ".state"
        return cls(root=root.resolve(), site_addr=addr, state_dir=state.resolve(), github=_github(env),
                   mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or None, kfp_host=env.get("KFP_HOST") or None,
                   warehouse_url=env.get("MLHUB_WAREHOUSE_URL") or None,
                   artifact_store=env.get("MLHUB_ARTIFACT_STORE") or None, kube_api=env.get("MLHUB_KUBE_API") or None)

    def live_services(self):
        """The live services this configuration names (embedded defaults for the rest)."""
        from mlhub.services.live import live_services

        return live_services(self.state_dir, self.mlflow_tracking_uri, self.kfp_host, warehouse_url=self.warehouse_url,
                             artifact_store=self.artifact_store, kube_api=self.kube_api, root=self.root)


def _github(env: Mapping[str, str]) -> GitHubConfig | None:
    given = {k: env.get(k, "") for k in ("GITHUB_URL", "GITHUB_TOKEN", "GITHUB_REPO")}
    if not any(given.values()):
        return None
    missing = [k for k, v in given.items() if not v]
    if missing:
        raise ConfigError(f"GitHub publishing needs GITHUB_URL, GITHUB_TOKEN and GITHUB_REPO; "
                          f"missing {', '.join(missing)}")
    owner, _, name = given["GITHUB_REPO"].partition("/")
    if not owner or not name or "/" in name:
        raise ConfigError(f"GITHUB_REPO must be OWNER/NAME, got {given['GITHUB_REPO']!r}")
    return GitHubConfig(given["GITHUB_URL"].rstrip("/"), Secret(given["GITHUB_TOKEN"]), owner, name)


def find_root(start: Path) -> Path:
    """The nearest folder upwards holding mkdocs.yml and community/; else the start folder."""
    for folder in [start, *start.parents]:
        if (folder / "mkdocs.yml").is_file() and (folder / "community").is_dir():
            return folder
    return start
