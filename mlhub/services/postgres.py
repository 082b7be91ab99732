"""A real PostgreSQL server from the distribution's server binaries (Debian's postgresql package),
on a 127.0.0.1 port with its data folder where it is told: the platform profile's, kept across
restarts, or a throwaway one for tests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mlhub.config import Secret
from mlhub.services.processes import MissingBinary, ServiceError, find_binary, free_port

SUPERUSER = "postgres"
INSTALL = "install Debian's postgresql package (`make system-deps` does)"


def binaries(override: str | None = None) -> Path:
    """The folder holding initdb, pg_ctl and postgres: MLHUB_PG_BIN, else the newest
    /usr/lib/postgresql/*/bin, else PATH."""
    if not override:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
        if found:
            return Path(found[-1]).parent
    return find_binary("initdb", override, "MLHUB_PG_BIN", INSTALL).parent


def installed(override: str | None = None) -> bool:
    try:
        binaries(override)
    except MissingBinary:
        return False
    return True


def _run_as() -> list[str]:
    """initdb and postgres refuse to run as root: as root, run them as the postgres system user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise ServiceError("PostgreSQL refuses to run as root and there is no `postgres` system user; "
                           f"{INSTALL}") from None
    return ["runuser", "-u", SUPERUSER, "--"]


@dataclass
class PostgresServer:
    """One server: `base` holds its data folder, log and socket-free settings; `password` (if any)
    is the superuser's, required on every connection (scram-sha-256)."""

    base: Path
    port: int
    password: Secret | None = None
    bindir: Path | None = None
    durable: bool = True  # False for throwaway test servers: no fsync
    started: bool = False

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL without the password (give it as PGPASSWORD or connect_args)."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def env(self) -> dict[str, str]:
        """What a client process needs besides the URL (libpq reads PGPASSWORD)."""
        return {"PGPASSWORD": self.password.reveal()} if self.password else {}

    def _bin(self, name: str) -> str:
        return str((self.bindir or binaries()) / name)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([*_run_as(), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if check and proc.returncode:
            last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServiceError(f"PostgreSQL: {Path(args[0]).name} failed: {last[0]}; see {self.log}")
        return proc

    def _prepare(self) -> None:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam(SUPERUSER)
            os.chown(self.base, user.pw_uid, user.pw_gid)
            self.base.chmod(0o700)
            if subprocess.run([*_run_as(), "test", "-w", str(self.base)]).returncode:
                raise ServiceError(f"PostgreSQL runs as the postgres user, which cannot reach {self.base}: "
                                   "let it traverse the parent folders, or set MLHUB_STATE_DIR elsewhere")

    def _initdb(self) -> None:
        auth = ["-A", "trust"]
        pwfile = self.base / "initdb.pw"
        if self.password:
            fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(self.password.reveal() + "\n")
            if os.geteuid() == 0:
                user = pwd.getpwnam(SUPERUSER)
                os.chown(pwfile, user.pw_uid, user.pw_gid)
            auth = ["-A", "scram-sha-256", f"--pwfile={pwfile}"]
        try:
            self._run(self._bin("initdb"), "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8", *auth,
                      *([] if self.durable else ["--no-sync"]))
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self) -> PostgresServer:
        """Create the cluster on first start, then start the server and wait until it accepts
        connections. A server of this folder left running by a killed mlhub is stopped first."""
        self._prepare()
        if not (self.data / "PG_VERSION").is_file():
            self._initdb()
        elif self._run(self._bin("pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0:
            self._run(self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        # no Unix socket: only TCP on loopback, so the path of the state folder never matters
        opts = f"-h 127.0.0.1 -p {self.port} -c unix_socket_directories=''"
        if not self.durable:
            opts += " -c fsync=off -c full_page_writes=off"
        self.started = True  # before it runs, so that an interrupt while it starts still stops it
        self._run(self._bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60",
                  "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` rolls back open transactions and checkpoints; `immediate` is a
        crash as far as the data is concerned (recovery runs at the next start)."""
        if self.started:
            self._run(self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)
            self.started = False

    def running(self) -> bool:
        return self._run(self._bin("pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0

    def create_database(self, name: str) -> None:
        """CREATE DATABASE unless it exists (names are the profile's own, never user input)."""
        import psycopg

        password = self.password.reveal() if self.password else None
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True, connect_timeout=10, password=password) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def temporary_server() -> Iterator[str]:
    """A fresh throwaway server (trust on loopback, no fsync): yield its SQLAlchemy URL, then stop
    it and remove its data."""
    bindir = binaries(os.environ.get("MLHUB_PG_BIN"))
    base = Path(tempfile.mkdtemp(prefix="mlhub-pg-"))
    server = PostgresServer(base, free_port(), bindir=bindir, durable=False)
    try:
        yield server.start().url()
    finally:
        server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
