"""Configuration, read once from the environment and typed. Every key is documented in
docs/reference/config.md (a test checks it). Secrets are wrapped so they never print."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

# key -> one-line meaning; the reference docs have a heading per key.
KEYS: dict[str, str] = {
    "MLHUB_ROOT": "The repository checkout to read content from.",
    "MLHUB_SITE_ADDR": "Address `mlhub up` and `mlhub site serve` bind.",
    "MLHUB_SITE_URL": "Address the site is published at (canonical links, sitemap, instant navigation).",
    "MLHUB_STATE_DIR": "Folder for live state: the publishing outbox, MLflow's data, verification records.",
    "MLHUB_NAMESPACE": "Prefix tutorials put on the MLflow names they create.",
    "MLHUB_CLUSTER": "The cluster whose endpoints tutorials and docs use (default: local).",
    "MLHUB_FEEDBACK_URL": "Where the pages' feedback form posts: the bot's /feedback URL (unset: no form).",
    "MLHUB_BOT_DB": "Database URL of the bot's store.",
    "MLHUB_BOT_PORT": "Port of the bot's HTTP mode on 127.0.0.1.",
    "MLHUB_BOT_WORKERS": "How many server processes answer Slack (default 2).",
    "MLHUB_BOT_THREADS": "Threads per server process (default 8).",
    "MLHUB_WEBHOOK_SECRET": "Shared secret of the MLflow registry webhook.",
    "MLHUB_REGISTRY_FALLBACK_CHANNEL": "Channel for registry events of models no SIG owns.",
    "MLHUB_BOT_HEALTH_EVERY": "Seconds between the bot's health checks of the clusters (default 300; 0: never).",
    "MLHUB_BOT_HEALTH_TIMEOUT": "Seconds each health URL has to answer in the bot's check (default 5).",
    "MLFLOW_TRACKING_URI": "An MLflow server to use instead of starting the embedded one.",
    "KFP_HOST": "A Kubeflow Pipelines cluster to run tutorials on instead of kfp.local.",
    "MLHUB_WAREHOUSE_URL": "SQLAlchemy URL of the warehouse the golden path extracts from.",
    "MLHUB_ARTIFACT_STORE": "Where the MLflow server keeps artifacts, for storage URIs a cluster fetches.",
    "MLHUB_KUBE_API": "A Kubernetes API server for the cluster half of the tutorials.",
    "MLHUB_KUBE_NAMESPACE": "The Kubernetes namespace tutorials create Kubeflow objects in.",
    "GITHUB_URL": "GitHub API to publish pull requests to.",
    "GITHUB_TOKEN": "Token for GITHUB_URL (secret).",
    "GITHUB_REPO": "owner/name of the hub's repository on GitHub.",
    "MLHUB_PROFILE": "Which services `mlhub up` starts: embedded (default) or platform.",
    "MLHUB_PG_BIN": "Folder holding PostgreSQL's initdb and pg_ctl for the platform profile.",
    "MLHUB_WEED": "The SeaweedFS `weed` binary for the platform profile.",
    "MLHUB_MLFLOW_DB": "Database URL of an external MLflow server's backend store (for `mlhub doctor`).",
    "MLHUB_ARTIFACTS_URI": "s3://BUCKET/PREFIX where an external MLflow keeps artifacts (for `mlhub doctor`).",
    "MLFLOW_S3_ENDPOINT_URL": "The S3 endpoint MLflow clients and servers write artifacts to.",
    "AWS_ACCESS_KEY_ID": "Access key for the S3 endpoint.",
    "AWS_SECRET_ACCESS_KEY": "Secret key for the S3 endpoint (secret).",
}
DEFAULT_SITE_ADDR = "127.0.0.1:8000"


class ConfigError(Exception):
    pass


class Profile(StrEnum):
    """Which services the hub starts for itself (mlhub.services.profile)."""

    embedded = "embedded"  # MLflow on sqlite with local artifacts
    platform = "platform"  # PostgreSQL, an S3 object store, MLflow on both


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
    site_url: str | None = None
    profile: Profile = Profile.embedded
    pg_bin: str | None = None
    weed: str | None = None
    warehouse_url: str | None = None  # None: the embedded SQLite file in the state folder
    artifact_store: str | None = None
    kube_api: str | None = None  # None: the Kubernetes API double
    feedback_url: str | None = None  # None: pages carry no feedback form

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
        profile = env.get("MLHUB_PROFILE") or Profile.embedded.value
        if profile not in Profile.__members__:
            raise ConfigError(f"MLHUB_PROFILE must be one of {', '.join(Profile)}, got {profile!r}")
        return cls(root=root.resolve(), site_addr=addr, state_dir=state.resolve(), github=_github(env),
                   mlflow_tracking_uri=env.get("MLFLOW_TRACKING_URI") or None, kfp_host=env.get("KFP_HOST") or None,
                   site_url=_site_url(env.get("MLHUB_SITE_URL") or None),
                   profile=Profile(profile), pg_bin=env.get("MLHUB_PG_BIN") or None, weed=env.get("MLHUB_WEED") or None,
                   warehouse_url=env.get("MLHUB_WAREHOUSE_URL") or None,
                   artifact_store=env.get("MLHUB_ARTIFACT_STORE") or None, kube_api=env.get("MLHUB_KUBE_API") or None,
                   feedback_url=_http_url(env.get("MLHUB_FEEDBACK_URL") or None, "MLHUB_FEEDBACK_URL",
                                          "http://127.0.0.1:3000/feedback"))

    def ensure_state(self) -> Path:
        """The state folder, created when missing; ConfigError in one line when it cannot be used.
        Checked by the commands that keep state, not at parse time, so that reading commands
        (`mlhub validate`) still run in a read-only checkout."""
        return writable_dir(self.state_dir, "MLHUB_STATE_DIR")

    def live_services(self):
        """The live services this configuration names (embedded defaults for the rest)."""
        from mlhub.services.live import live_services

        return live_services(self.state_dir, self.mlflow_tracking_uri, self.kfp_host, warehouse_url=self.warehouse_url,
                             artifact_store=self.artifact_store, kube_api=self.kube_api, root=self.root)


def _http_url(url: str | None, key: str, example: str) -> str | None:
    if url is None:
        return None
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest.split("/")[0]:
        raise ConfigError(f"{key} must be an http(s) URL such as {example}, got {url!r}")
    return url


def _site_url(url: str | None) -> str | None:
    url = _http_url(url, "MLHUB_SITE_URL", "https://mlhub.example.com/")
    return url if url is None or url.endswith("/") else url + "/"


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


def writable_dir(path: Path, key: str) -> Path:
    """`path` as an existing folder this process can write in (created if missing), or ConfigError."""
    fix = f"set {key} to a folder this user can write in"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(f"{key} {path} is not a folder (it or a parent is a file): {fix}") from None
    except OSError as exc:
        raise ConfigError(f"{key} {path} cannot be created ({exc.strerror}): {fix}") from None
    try:  # a real write: permission bits say nothing for root or on a read-only mount
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(f"{key} {path} is not writable ({exc.strerror}): {fix}") from None
    return path


def find_root(start: Path) -> Path:
    """The nearest folder upwards holding mkdocs.yml and community/; else the start folder."""
    for folder in [start, *start.parents]:
        if (folder / "mkdocs.yml").is_file() and (folder / "community").is_dir():
            return folder
    return start
