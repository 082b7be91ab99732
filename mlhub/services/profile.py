"""The two ways the hub runs its own services. `embedded`: MLflow on sqlite with local artifacts.
`platform`: a company's shape on this machine: PostgreSQL, an S3 object store (SeaweedFS) and
MLflow on both, each a real server on 127.0.0.1 with its data under MLHUB_STATE_DIR/platform/."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_urlsafe

from mlhub.config import Profile, Secret
from mlhub.services import keys
from mlhub.services.mlflow_server import MlflowServer, healthy
from mlhub.services.objectstore import PORTS as STORE_PORTS
from mlhub.services.objectstore import ObjectStore, S3Credentials, weed_binary
from mlhub.services.postgres import SUPERUSER, PostgresServer, binaries
from mlhub.services.processes import Process, check_ports, free_ports

BUCKET = "mlhub"
ARTIFACTS = f"s3://{BUCKET}/mlflow"  # MLflow's artifact root and proxied destination
MLFLOW_DB = "mlflow"
BOT_DB = "mlhub_bot"
WAREHOUSE_DB = "warehouse"  # the golden path's warehouse, on the same PostgreSQL
COMPONENTS = ("postgres", "objectstore", "mlflow")  # in start order; stopped in reverse
BOT_REPLICAS = ("bot-1", "bot-2")
PORT_NAMES: dict[str, str] = {"postgres": "PostgreSQL", "mlflow": "MLflow tracking server", **STORE_PORTS,
                              "bot-1": "bot replica 1", "bot-2": "bot replica 2"}


def home(state_dir: Path) -> Path:
    return state_dir / "platform"


def record_path(state_dir: Path) -> Path:
    """Where a running platform profile says what runs where (no secrets), for `mlhub doctor`."""
    return home(state_dir) / "running.json"


def running(state_dir: Path) -> dict | None:
    try:
        data = json.loads(record_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def ports(state_dir: Path) -> dict[str, int]:
    """The profile's ports: chosen free at the first start, then kept (ports.json), so that URLs
    stay the same across restarts like the data does."""
    path = home(state_dir) / "ports.json"
    try:
        kept = {k: int(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        kept = {}
    if set(kept) != set(PORT_NAMES):
        kept = dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(kept, indent=2) + "\n", encoding="utf-8")
    return kept


@dataclass(frozen=True)
class Secrets:
    """The profile's generated secrets (kept under platform/secrets/, mode 600)."""

    postgres_password: Secret
    s3: S3Credentials
    credentials_file: Path  # the S3 keys as an AWS shared credentials file, for a shell

    @classmethod
    def load(cls, state_dir: Path) -> Secrets:
        folder = home(state_dir) / "secrets"
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        s3 = S3Credentials(keys.kept(folder / "s3-access-key", keys.access_key).reveal(),
                           keys.kept(folder / "s3-secret-key", lambda: keys.token(30)))
        creds = keys.aws_credentials_file(folder / "aws-credentials", s3.access_key, s3.secret_key)
        return cls(keys.kept(folder / "postgres-password", keys.token), s3, creds)


@dataclass
class Platform:
    """The platform profile's servers. `start()` starts all, `stop()` stops all; `stop_component`
    and `start_component` take one down and bring it back on the same port and data (fault tests)."""

    state_dir: Path
    pg_bin: str | None = None
    weed: str | None = None
    echo: Callable[[str], None] = lambda _: None
    postgres: PostgresServer | None = None
    objectstore: ObjectStore | None = None
    mlflow: MlflowServer | None = None
    ports: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    bots: list[Process] = field(default_factory=list)  # the bot's replicas, when started
    mlflow_extra_env: dict[str, str] = field(default_factory=dict)  # e.g. a short webhook cache in tests
    secrets: Secrets = field(init=False, repr=False)

    def prepare(self) -> None:
        """Everything that can fail before a process starts: binaries, ports, secrets."""
        bindir, weed = binaries(self.pg_bin), weed_binary(self.weed)
        self.ports = ports(self.state_dir)
        check_ports({f"{PORT_NAMES[k]}, kept in {home(self.state_dir) / 'ports.json'}": v
                     for k, v in self.ports.items()},
                    hint="stop what holds it, or delete that file to choose new ports")
        self.secrets = Secrets.load(self.state_dir)
        base = home(self.state_dir)
        self.postgres = PostgresServer(base / "postgres", self.ports["postgres"], self.secrets.postgres_password,
                                       bindir)
        self.objectstore = ObjectStore(base / "objectstore", {k: self.ports[k] for k in STORE_PORTS},
                                       self.secrets.s3, BUCKET, weed)

    def start(self) -> Platform:
        self.prepare()
        t0 = time.monotonic()
        try:
            # PostgreSQL and the object store do not need each other: start them side by side
            with ThreadPoolExecutor(2, thread_name_prefix="mlhub-platform") as pool:
                futures = [pool.submit(self._timed, name) for name in ("postgres", "objectstore")]
                errors = [f.exception() for f in futures]
            if failed := next((e for e in errors if e is not None), None):
                raise failed
            self._timed("mlflow")
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = round(time.monotonic() - t0, 2)
        self._record()
        return self

    def _timed(self, name: str) -> None:
        t0 = time.monotonic()
        self.start_component(name)
        self.timings[name] = round(time.monotonic() - t0, 2)
        self.echo(f"mlhub: {name} ready in {self.timings[name]:.1f} s")

    def start_component(self, name: str) -> None:
        assert self.postgres and self.objectstore, "prepare() first"
        if name == "postgres":
            self.postgres.start()
            for db in (MLFLOW_DB, BOT_DB, WAREHOUSE_DB):
                self.postgres.create_database(db)
            prepare_bot_store(self.bot_store_url(with_password=True))
        elif name == "objectstore":
            self.objectstore.start()
        elif name == "mlflow":
            # kept before it starts, so that an interrupt while it starts still stops it
            self.mlflow = MlflowServer(self.state_dir, port=self.ports["mlflow"],
                                       extra_env={**self.mlflow_env(), **self.mlflow_extra_env},
                                       backend_store_uri=self.postgres.url(MLFLOW_DB),
                                       artifacts_destination=ARTIFACTS, default_artifact_root=ARTIFACTS)
            self.mlflow.start()
        else:
            raise ValueError(f"unknown component {name!r}; known: {', '.join(COMPONENTS)}")

    def stop_component(self, name: str, crash: bool = False) -> None:
        """Stop one server; `crash` kills it (the object store) or stops it `immediate` (PostgreSQL)."""
        if name == "postgres" and self.postgres:
            self.postgres.stop("immediate" if crash else "fast")
        elif name == "objectstore" and self.objectstore:
            (self.objectstore.kill if crash else self.objectstore.stop)()
        elif name == "mlflow" and self.mlflow:
            self.mlflow.stop()
        elif name not in COMPONENTS:
            raise ValueError(f"unknown component {name!r}; known: {', '.join(COMPONENTS)}")

    def stop_bots(self) -> None:
        for bot in self.bots:
            bot.stop()
        self.bots.clear()

    def stop(self) -> None:
        self._forget()
        self.stop_bots()  # the bot's replicas first: they use PostgreSQL
        for name in reversed(COMPONENTS):
            try:
                self.stop_component(name)
            except Exception as exc:  # noqa: BLE001 - stop the others all the same
                self.echo(f"mlhub: stopping {name} failed: {exc}")

    # --- what clients need ------------------------------------------------------------------------

    @property
    def mlflow_uri(self) -> str:
        return f"http://127.0.0.1:{self.ports['mlflow']}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def bot_store_url(self, with_password: bool = False) -> str:
        """The bot's store on the profile's PostgreSQL, for its replicas (MLHUB_BOT_DB)."""
        return self.database_url(BOT_DB, with_password)

    def warehouse_url(self, with_password: bool = False) -> str:
        """The golden path's warehouse on the profile's PostgreSQL (MLHUB_WAREHOUSE_URL)."""
        return self.database_url(WAREHOUSE_DB, with_password)

    def database_url(self, name: str, with_password: bool = False) -> str:
        assert self.postgres
        url = self.postgres.url(name)
        if not with_password:
            return url
        from sqlalchemy.engine import make_url  # for this process only; never printed

        return make_url(url).set(password=self.secrets.postgres_password.reveal()).render_as_string(False)

    def client_env(self) -> dict[str, str]:
        """What a process using MLflow here needs: the server, the S3 endpoint and the keys (the
        clients write model artifacts straight to the bucket, as on a company's platform)."""
        return {"MLFLOW_TRACKING_URI": self.mlflow_uri, "MLFLOW_S3_ENDPOINT_URL": self.s3_endpoint,
                **self.secrets.s3.env()}

    def mlflow_env(self) -> dict[str, str]:
        assert self.postgres
        return {**self.client_env(), **self.postgres.env()}

    def shell_exports(self) -> dict[str, str]:
        """The same for a user's shell, with the keys as file paths rather than their values."""
        pgpass = keys.pgpass_file(home(self.state_dir) / "secrets" / "pgpass", self.ports["postgres"], SUPERUSER,
                                  self.secrets.postgres_password)
        return {"MLFLOW_TRACKING_URI": self.mlflow_uri, "MLFLOW_S3_ENDPOINT_URL": self.s3_endpoint,
                "AWS_SHARED_CREDENTIALS_FILE": str(self.secrets.credentials_file),
                "MLHUB_WAREHOUSE_URL": self.warehouse_url(), "PGPASSFILE": str(pgpass),
                "MLHUB_ARTIFACT_STORE": ARTIFACTS}

    def live(self, kfp_host: str | None = None, warehouse_url: str | None = None, kube_api: str | None = None,
             root: Path | None = None):
        """The live services tutorials run against on this profile (a context manager): its MLflow
        with artifacts in the bucket, the warehouse in its PostgreSQL (unless one is named), and the
        Kubernetes API double (unless one is named). Only this configuration differs from the
        embedded default; the tutorials are the same."""
        from mlhub.services.live import live_services

        return live_services(self.state_dir, self.mlflow_uri, kfp_host,
                             warehouse_url=warehouse_url or self.warehouse_url(with_password=True),
                             artifact_store=ARTIFACTS, kube_api=kube_api, root=root,
                             profile=Profile.platform.value, client_env=self.client_env())

    def _record(self) -> None:
        assert self.postgres and self.objectstore and self.mlflow
        data = {"pid": os.getpid(), "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "mlflow": {"url": self.mlflow_uri, "pid": self.mlflow.process.pid if self.mlflow.process else None},
                "postgres": {"url": self.postgres.url(), "databases": {"mlflow": MLFLOW_DB, "bot": BOT_DB,
                                                                       "warehouse": WAREHOUSE_DB}},
                "objectstore": {"endpoint": self.s3_endpoint, "bucket": BUCKET, "artifacts": ARTIFACTS,
                                "pid": self.objectstore.process.pid if self.objectstore.process else None},
                "credentials_file": str(self.secrets.credentials_file)}
        path = record_path(self.state_dir)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def _forget(self) -> None:
        if (running(self.state_dir) or {}).get("pid") == os.getpid():
            record_path(self.state_dir).unlink(missing_ok=True)


def prepare_bot_store(url: str) -> None:
    """Run the bot store's migrations once, before any replica starts (two replicas migrating an
    empty database at the same moment would race)."""
    from bot.store import Store

    Store(url).engine.dispose()


def start_bot_replicas(platform: Platform, echo: Callable[[str], None],
                       environ: Mapping[str, str] | None = None) -> list[Process]:
    """The bot as two replicas, each its own production server (gunicorn) on the profile's
    PostgreSQL, on the ports kept for them (a load balancer, or Slack's Socket Mode, spreads the
    work); MLflow's registry webhook goes to the first. Without Slack tokens nothing starts and
    this says how. The platform stops them first when it stops."""
    env = dict(os.environ if environ is None else environ)
    if not (env.get("SLACK_BOT_TOKEN") and env.get("SLACK_SIGNING_SECRET")):
        echo("mlhub: Slack bot not started: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET "
             "(and SLACK_APP_TOKEN for Socket Mode); see docs/bot.md")
        return []
    env.setdefault("MLHUB_WEBHOOK_SECRET", token_urlsafe(32))  # shared by the replicas
    env.update(platform.client_env(), MLHUB_STATE_DIR=str(platform.state_dir),
               MLHUB_BOT_DB=platform.bot_store_url(with_password=True))  # in the children's env only
    for name in BOT_REPLICAS:
        log = home(platform.state_dir) / f"{name}.log"
        bot = Process(PORT_NAMES[name], [sys.executable, "-m", "mlhub", "bot"], log,
                      {**env, "MLHUB_BOT_PORT": str(platform.ports[name])})
        platform.bots.append(bot.start())
    for name, bot in zip(BOT_REPLICAS, platform.bots, strict=True):
        url = f"http://127.0.0.1:{platform.ports[name]}"
        bot.wait_ready(functools.partial(healthy, url), timeout=90)
        echo(f"mlhub: {bot.name} on {url} (pid {bot.pid}, log {bot.log}), store {platform.bot_store_url()}")
    connect_registry(platform.mlflow_uri, f"http://127.0.0.1:{platform.ports[BOT_REPLICAS[0]]}",
                     env["MLHUB_WEBHOOK_SECRET"], echo)
    return platform.bots


def connect_registry(mlflow_uri: str, bot_url: str, secret: str, echo: Callable[[str], None]) -> None:
    """Point the MLflow server this hub started at the bot's registry webhook."""
    from bot.ceremonies.registry import PATH
    from mlhub.registry.connect import ConnectError, connect

    try:
        echo("mlhub: " + connect(mlflow_uri, bot_url + PATH, secret, embedded=True))
    except ConnectError as exc:
        echo(f"mlhub: registry webhook not connected: {exc}")


@contextmanager
def platform_services(state_dir: Path, pg_bin: str | None = None, weed: str | None = None,
                      echo: Callable[[str], None] = lambda _: None) -> Iterator[Platform]:
    """Start the platform profile's servers, yield them, stop them all (also on Ctrl-C)."""
    platform = Platform(state_dir, pg_bin, weed, echo)
    platform.start()
    try:
        yield platform
    finally:
        platform.stop()



@contextmanager
def profile_services(cfg, profile: Profile, echo: Callable[[str], None] = lambda _: None):
    """Yield (live services, the Platform or None) for `mlhub up` and `mlhub services up`: the
    embedded MLflow (or MLFLOW_TRACKING_URI's), or the platform profile's servers."""

    if profile is Profile.platform:
        with (platform_services(cfg.state_dir, cfg.pg_bin, cfg.weed, echo) as platform,
              platform.live(cfg.kfp_host, cfg.warehouse_url, cfg.kube_api, cfg.root) as live):
            yield live, platform
    else:
        with cfg.live_services() as live:
            yield live, None
