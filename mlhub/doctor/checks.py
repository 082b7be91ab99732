"""One check per component: is it reachable, which version, can we write, are its migrations
current. Each returns a Finding that says what to fix; none raises."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from mlhub.clusters.health import Result
from mlhub.clusters.health import Status as Health
from mlhub.config import Secret
from mlhub.doctor.given import Artifacts
from mlhub.services.objectstore import S3Credentials


class Status(StrEnum):
    ok = "ok"
    fail = "fail"
    skipped = "skipped"  # not given: nothing to check


@dataclass(frozen=True)
class Finding:
    component: str
    target: str  # where it was looked for; never holds a secret
    status: Status
    version: str = ""
    detail: str = ""
    fix: str = ""


def http_finding(component: str, res: Result, version: str = "", fix: str = "") -> Finding:
    """A health probe's result (mlhub.clusters.health) as a finding."""
    if res.status is Health.up:
        return Finding(component, res.url, Status.ok, version, f"{res.detail} in {res.seconds or 0:.2f} s")
    return Finding(component, res.url, Status.fail, "", f"{res.status.value}: {res.detail}", fix)


def shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported by the check itself
        return url.split("@")[-1]


def _engine(url: str, password: Secret | None, timeout: float):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    parsed = make_url(url)
    args: dict = {}
    if parsed.get_backend_name() == "postgresql":
        args["connect_timeout"] = max(1, int(timeout))
        if password:
            args["password"] = password.reveal()
    return create_engine(parsed, connect_args=args, poolclass=NullPool)


def _db_version(conn) -> str:
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        return "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar_one().split()[0]
    if conn.dialect.name == "sqlite":
        return "SQLite " + conn.execute(text("select sqlite_version()")).scalar_one()
    return conn.dialect.name


def database(component: str, url: str, password: Secret | None, timeout: float, migrations) -> Finding:
    """Connect, read the server version, then ask `migrations(conn)` for (ok, detail, fix)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    target = shown(url)
    try:
        engine = _engine(url, password, timeout)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        return Finding(component, target, Status.fail, detail=f"not a database URL ({exc})",
                       fix="give a SQLAlchemy URL such as postgresql+psycopg://USER@HOST:5432/DB")
    try:
        with engine.connect() as conn:
            version = _db_version(conn)
            ok, detail, fix = migrations(conn)
    except SQLAlchemyError as exc:
        # psycopg says "connection failed: connection to server at ..., port N failed: REASON"
        reason = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0].rsplit(" failed: ", 1)[-1]
        return Finding(component, target, Status.fail, detail=f"cannot connect: {reason}",
                       fix="start the database, or fix its URL and password (PGPASSWORD)")
    finally:
        engine.dispose()
    return Finding(component, target, Status.ok if ok else Status.fail, version, detail, fix)


def alembic_migrations(conn, head: str, missing: str, missing_fix: str, behind_fix: str) -> tuple[bool, str, str]:
    """The alembic revision in a database against `head`, the newest revision this code ships."""
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return False, missing, missing_fix
    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current == head:
        return True, f"migrations current ({current})", ""
    return False, f"schema at {current}, this code expects {head}", behind_fix


def mlflow_migrations(conn) -> tuple[bool, str, str]:
    """MLflow's alembic revision in its database against the head of the MLflow installed here."""
    return alembic_migrations(conn, mlflow_schema_head(), "no MLflow tables",
                              "start the MLflow server once on this database (it creates them)",
                              "back up the database, then run `mlflow db upgrade <URL>` "
                              "with the server's MLflow version")


def mlflow_schema_head() -> str:
    """The newest alembic revision shipped with the MLflow installed here (what its server checks
    at start before refusing an out-of-date database)."""
    import mlflow.store.db_migrations as migrations

    return _head(Path(migrations.__file__).parent)


def _head(script_location: Path) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return ",".join(ScriptDirectory.from_config(cfg).get_heads())


def bot_migrations(conn) -> tuple[bool, str, str]:
    """The bot store's alembic revision against the head of the bot's migrations."""
    from bot.store.database import MIGRATIONS

    return alembic_migrations(conn, _head(MIGRATIONS), "no bot tables",
                              "start the bot once on this database (`mlhub bot` migrates it)",
                              "run the same version of the hub as the bot replicas, then restart the bot "
                              "(it migrates at start)")


def object_store(endpoint: str | None, artifacts: Artifacts, credentials: S3Credentials | None,
                 timeout: float) -> Finding:
    """Reach the bucket, then put, read back and delete one object under the artifacts prefix."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    from mlhub.services.objectstore import s3_client

    target = f"{endpoint or 'AWS S3'} {artifacts.uri}"
    key = f"{artifacts.prefix}/.mlhub-doctor/{uuid.uuid4().hex}".lstrip("/")
    client = s3_client(endpoint, credentials, timeout)
    step, version = "list the bucket", ""
    try:
        # a GET, not HEAD: S3 answers HEAD without a body, so a 403 would not say which error it is
        listing = client.list_objects_v2(Bucket=artifacts.bucket, Prefix=artifacts.prefix, MaxKeys=1)
        version = listing["ResponseMetadata"]["HTTPHeaders"].get("server", "")
        t0 = time.monotonic()
        step = "write a test object"
        client.put_object(Bucket=artifacts.bucket, Key=key, Body=b"mlhub doctor")
        step = "read the test object back"
        body = client.get_object(Bucket=artifacts.bucket, Key=key)["Body"].read()
        step = "delete the test object"
        client.delete_object(Bucket=artifacts.bucket, Key=key)
    except NoCredentialsError:
        return Finding("object store", target, Status.fail, version, "no credentials",
                       "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or give the pod an IAM role)")
    except EndpointConnectionError:
        return Finding("object store", target, Status.fail, version, "cannot connect to the endpoint",
                       "start the object store, or fix MLFLOW_S3_ENDPOINT_URL")
    except ClientError as exc:
        err = exc.response.get("Error", {})
        code, status = err.get("Code", "?"), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return Finding("object store", target, Status.fail, version,
                       f"could not {step}: HTTP {status} {code}", _s3_fix(code, artifacts.bucket))
    except BotoCoreError as exc:
        return Finding("object store", target, Status.fail, version, f"could not {step}: {exc}",
                       "start the object store, or fix MLFLOW_S3_ENDPOINT_URL")
    if body != b"mlhub doctor":
        return Finding("object store", target, Status.fail, version, "the test object read back differs",
                       "check the store's consistency settings")
    return Finding("object store", target, Status.ok, version,
                   f"put, read back and deleted a test object in {time.monotonic() - t0:.2f} s")


def _s3_fix(code: str, bucket: str) -> str:
    if code in ("404", "NoSuchBucket"):
        return f"create the bucket {bucket}, or fix MLHUB_ARTIFACTS_URI"
    if code in ("403", "AccessDenied"):
        return f"allow s3:ListBucket, s3:PutObject, s3:GetObject and s3:DeleteObject on {bucket} for these keys"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return "fix AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    return "see the object store's log"
