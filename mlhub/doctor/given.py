"""What `mlhub doctor` checks: the company's services the environment names, else the platform
profile (or embedded MLflow) running from this state folder. Read once, secrets wrapped."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mlhub.config import Secret
from mlhub.services.objectstore import S3Credentials

# the settings that name an external service; any of them set means: check those
EXTERNAL_KEYS = ("MLFLOW_TRACKING_URI", "MLHUB_MLFLOW_DB", "MLHUB_BOT_DB", "MLFLOW_S3_ENDPOINT_URL",
                 "MLHUB_ARTIFACTS_URI", "KFP_HOST")


class GivenError(Exception):
    """A setting the doctor cannot use, said as what to change."""


@dataclass(frozen=True)
class Artifacts:
    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    @classmethod
    def parse(cls, uri: str, setting: str = "MLHUB_ARTIFACTS_URI") -> Artifacts:
        parts = urlsplit(uri)
        if parts.scheme != "s3" or not parts.netloc:
            raise GivenError(f"{setting} must be s3://BUCKET/PREFIX, got {uri!r}")
        return cls(parts.netloc, parts.path.strip("/"))


@dataclass(frozen=True)
class Given:
    """Each service to check; None where it is not given. Database URLs may hold a password
    (never printed); `db_password` is given to the connection instead, like PGPASSWORD."""

    source: str
    mlflow_uri: str | None = None
    mlflow_db: str | None = None
    bot_db: str | None = None
    db_password: Secret | None = None
    s3_endpoint: str | None = None  # None with artifacts set: AWS S3 itself
    artifacts: Artifacts | None = None
    s3_credentials: S3Credentials | None = None  # None: boto3's own chain (env, files, roles)
    kfp_host: str | None = None
    cluster: str | None = None
    local: bool = False  # the hub's own profile from this state folder, not a company's services

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Given | None:
        """The external services the environment names, or None when it names none."""
        env = os.environ if env is None else env
        cluster = (env.get("MLHUB_CLUSTER") or "").strip()
        if not any(env.get(k) for k in EXTERNAL_KEYS) and cluster in ("", "local"):
            return None
        creds = None
        if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
            creds = S3Credentials(env["AWS_ACCESS_KEY_ID"], Secret(env["AWS_SECRET_ACCESS_KEY"]))
        artifacts = Artifacts.parse(env["MLHUB_ARTIFACTS_URI"]) if env.get("MLHUB_ARTIFACTS_URI") else None
        if env.get("MLFLOW_S3_ENDPOINT_URL") and artifacts is None:
            raise GivenError("MLFLOW_S3_ENDPOINT_URL is set but not MLHUB_ARTIFACTS_URI: set it to the "
                             "s3://BUCKET/PREFIX your MLflow server stores artifacts under")
        return cls("the services the environment names", env.get("MLFLOW_TRACKING_URI") or None,
                   env.get("MLHUB_MLFLOW_DB") or None, env.get("MLHUB_BOT_DB") or None, None,
                   env.get("MLFLOW_S3_ENDPOINT_URL") or None, artifacts, creds, env.get("KFP_HOST") or None,
                   cluster if cluster not in ("", "local") else None)

    @classmethod
    def from_state(cls, state_dir: Path) -> Given | None:
        """The platform profile running from `state_dir` (its record, its generated secrets), or
        the embedded MLflow server; None when neither runs."""
        from mlhub.services import profile
        from mlhub.services.mlflow_server import recorded_url

        rec = profile.running(state_dir)
        if rec is None:
            url = recorded_url(state_dir)
            return cls(f"the embedded MLflow server of {state_dir}", mlflow_uri=url, local=True) if url else None
        secrets = profile.Secrets.load(state_dir)
        pg, store = rec["postgres"], rec["objectstore"]
        base = pg["url"].rsplit("/", 1)[0]
        return cls(f"the platform profile running from {profile.home(state_dir)} (started {rec['started']})",
                   mlflow_uri=rec["mlflow"]["url"], mlflow_db=f"{base}/{pg['databases']['mlflow']}",
                   bot_db=f"{base}/{pg['databases']['bot']}", db_password=secrets.postgres_password,
                   s3_endpoint=store["endpoint"], artifacts=Artifacts.parse(store["artifacts"]),
                   s3_credentials=secrets.s3, local=True)
