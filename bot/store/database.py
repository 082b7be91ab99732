"""The store's engine: SQLite in WAL mode (writers queued on a lock) or PostgreSQL, its Alembic
migrations, and named locks across processes. bot.store.Store adds the queries."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, event, insert, inspect, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import IntegrityError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0003"
Clock = Callable[[], dt.datetime]
INSERTS: dict = {}  # a table's plain INSERT, parameters given at execution
_local_locks: dict[str, threading.Lock] = {}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _alembic(conn: Connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


class Database:
    """The database a Store runs its queries on."""

    def __init__(self, url: str, clock: Clock = _utcnow, migrate: bool = True):
        if "://" not in url:
            url = f"sqlite:///{url}"
        self.path: Path | None = None
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            self.path = Path(url.removeprefix("sqlite:///"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.url, self.clock = url, clock
        # a ping before each use guards against dropped server connections; a file has none to drop
        self.engine: SqlEngine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _):  # WAL: readers do not block the writer
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                # in WAL mode NORMAL keeps every commit through a crash or kill -9 of the process
                # (only a power loss can lose the last ones), without a disk flush per commit
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()
        self._write_thread_lock = threading.Lock()
        self._write_fd = os.open(f"{self.path}.write.lock", os.O_RDWR | os.O_CREAT, 0o600) if self.path else None
        if migrate:
            self.migrate()

    # --- schema -------------------------------------------------------------------------------------

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision (once, under a lock, whoever starts first)."""
        with self.lock("migrate"), self.engine.begin() as conn:  # noqa
            tables = set(inspect(conn).get_table_names())
            if "schema_version" in tables and "alembic_version" not in tables:
                command.stamp(_alembic(conn), "0001")  # made by the hand-written migrations
            command.upgrade(_alembic(conn), "head")
        return self.revision()

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    @contextmanager
    def lock(self, name: str, wait: bool = True) -> Iterator[bool]:
        """A lock named across every process using this database; yields whether it was taken
        (always True when waiting). PostgreSQL: an advisory lock; SQLite: a lock file beside it."""
        if self.engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
            with self.engine.connect() as conn:
                sql = "SELECT pg_advisory_lock(:k)" if wait else "SELECT pg_try_advisory_lock(:k)"
                got = conn.execute(text(sql), {"k": key}).scalar() is not False
                try:
                    yield got
                finally:
                    if got:
                        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
            return
        if self.path is None:
            local = _local_locks.setdefault(f"{id(self.engine)}:{name}", threading.Lock())
            got = local.acquire(blocking=wait)
            try:
                yield got
            finally:
                if got:
                    local.release()
            return
        fd = os.open(f"{self.path}.{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                got = True
            except BlockingIOError:
                got = False
            yield got
        finally:
            os.close(fd)  # closing releases the lock

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction. On SQLite, writers queue on a lock (threads, then processes) instead
        of SQLite's busy handler, which sleeps 1, 2, 5, 10 ... ms between tries and gives the acks
        of concurrent writes a long tail."""
        if self._write_fd is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_thread_lock:
            fcntl.flock(self._write_fd, fcntl.LOCK_EX)
            try:
                with self.engine.begin() as conn:
                    yield conn
            finally:
                fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    def _insert_once(self, table, **values) -> bool:
        try:
            with self._begin() as conn:
                conn.execute(INSERTS.setdefault(table.name, insert(table)), values)
            return True
        except IntegrityError:
            return False

    def _upsert(self, table, key, key_value, **values) -> None:
        with self._begin() as conn:
            if not conn.execute(update(table).where(key == key_value).values(**values)).rowcount:
                conn.execute(insert(table).values({key.name: key_value, **values}))
