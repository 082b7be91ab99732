"""A real `mlflow server`: on the embedded default a sqlite backend and local artifacts under the
state folder (the platform profile passes PostgreSQL and a bucket), a free 127.0.0.1 port, started
in its own process group so stopping it leaves no worker behind."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from mlhub.services.keys import kept
from mlhub.services.processes import Process, free_port
from mlhub.services.processes import ServiceError as ServiceError  # where callers import it from


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as resp:  # noqa: S310 - loopback
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def server_version(url: str) -> str:
    """The version the server reports (`/version`), or 'unknown'."""
    try:
        with urllib.request.urlopen(f"{url}/version", timeout=5) as resp:  # noqa: S310
            return resp.read().decode().strip() or "unknown"
    except (urllib.error.URLError, OSError):
        return "unknown"


def _webhook_key(home: Path) -> str:
    """A Fernet key kept in the state folder (mode 600), created once."""
    from cryptography.fernet import Fernet

    return kept(home / "webhook-secret.key", lambda: Fernet.generate_key().decode()).reveal()


def record_path(state_dir: Path) -> Path:
    """Where a running embedded server leaves its URL, so that other commands find it."""
    return state_dir / "mlflow" / "server.json"


def record(state_dir: Path, url: str, pid: int) -> None:
    path = record_path(state_dir)
    tmp = path.with_suffix(f".{pid}.tmp")
    tmp.write_text(json.dumps({"url": url, "pid": pid}) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def forget(state_dir: Path, pid: int) -> None:
    """Remove the record if it is this server's (another `make up` may have started since)."""
    path = record_path(state_dir)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def recorded_url(state_dir: Path) -> str | None:
    """The URL of the embedded server that `make up` or `mlhub services up` runs, if any."""
    try:
        url = json.loads(record_path(state_dir).read_text(encoding="utf-8")).get("url")
    except (OSError, ValueError, AttributeError):
        return None
    return url if isinstance(url, str) and url.startswith("http://127.0.0.1:") else None


@dataclass
class MlflowServer:
    state_dir: Path
    port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    backend_store_uri: str | None = None  # default: sqlite in the state folder
    artifacts_destination: str | None = None  # default: a folder in the state folder
    default_artifact_root: str | None = None  # default: proxied (mlflow-artifacts:/)
    process: Process | None = None
    url: str = ""

    def start(self, timeout: float = 90.0) -> MlflowServer:
        home = self.state_dir / "mlflow"
        home.mkdir(parents=True, exist_ok=True)
        if self.artifacts_destination is None:
            (home / "artifacts").mkdir(exist_ok=True)
        port = self.port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
               # without a fixed key every server process encrypts webhook secrets with its own
               # random key, so deliveries fail in other workers and after a restart
               "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY": _webhook_key(home),
               # the embedded default delivers registry webhooks to the bot on 127.0.0.1 over http;
               # `mlhub registry connect` only registers loopback URLs on it
               "MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS": "true", "MLFLOW_WEBHOOK_ALLOWED_SCHEMES": "http,https",
               **self.extra_env}
        env.pop("MLFLOW_TRACKING_URI", None)
        cmd = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
               "--backend-store-uri", self.backend_store_uri or f"sqlite:///{home / 'mlflow.db'}",
               "--artifacts-destination", self.artifacts_destination or str(home / "artifacts"), "--workers", "2"]
        if self.default_artifact_root:
            cmd += ["--default-artifact-root", self.default_artifact_root]
        self.process = Process("mlflow server", cmd, home / "server.log", env).start()
        self.process.wait_ready(lambda: healthy(self.url, timeout=1), timeout)
        assert self.process.pid is not None, "started above"
        record(self.state_dir, self.url, self.process.pid)
        return self

    def stop(self) -> None:
        if self.process is None or self.process.pid is None:
            return
        forget(self.state_dir, self.process.pid)
        self.process.stop()

    def __enter__(self) -> MlflowServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
