"""The store's engine: SQLite in WAL mode (writers queued on a lock) or PostgreSQL, its Alembic
migrations, named locks across processes, and transactions that the queries inside join (one
change of live state, one transaction). bot.store.Store adds the queries."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Select, create_engine, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.exc import DBAPIError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0007"
Clock = Callable[[], dt.datetime]
UPSERTS: dict = {}  # a table's INSERT ... ON CONFLICT DO UPDATE of some columns, parameters given at execution
_local_locks: dict[str, threading.Lock] = {}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lock_key(name: str) -> int:
    """A name as a PostgreSQL advisory lock key."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _alembic(conn: Connection) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


class Prepared:
    """A Core statement compiled once for a dialect and run on the transaction's own DBAPI cursor,
    with the columns' own conversions (their bind processors). For the statements every write
    request runs (its key and answer, an insert-once): SQLAlchemy's work per execution costs more
    CPU than SQLite's own, and on SQLite it is spent holding the write lock that every writer
    queues on (`Store.once` of a no-op: 291 us of CPU through Core, 138 us prepared). Errors are
    SQLAlchemy's, as from Core (an IntegrityError stays one)."""

    def __init__(self, statement, dialect, keys: list[str] | None = None):
        compiled = statement.compile(dialect=dialect, column_keys=keys)
        self.sql, self.dialect = compiled.string, dialect
        self.names = compiled.positiontup  # the order of the parameters; None where they are named
        self.convert = {name: p for name, bind in compiled.binds.items()
                        if (p := bind.type.dialect_impl(dialect).bind_processor(dialect))}
        # every parameter given at execution, one value each: a literal in the statement or an
        # IN (...) of a list is Core's own work, not done here
        if not all(bind.required and not bind.expanding for bind in compiled.binds.values()):
            raise ValueError(f"only a statement whose every parameter is one value given at execution can be "
                             f"prepared: {self.sql}")
        # a SELECT's columns, read as Core reads them (their result processors)
        columns = list(statement.selected_columns) if isinstance(statement, Select) else []
        self.keys = [c.key for c in columns]
        self.read = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]

    def run(self, conn: Connection, params: dict) -> list[tuple]:
        """The rows it gave (a SELECT's, converted as Core converts them; a RETURNING's, as the
        driver gives them)."""
        values = {k: (self.convert[k](v) if k in self.convert else v) for k, v in params.items()}
        cur = conn.connection.cursor()
        try:
            cur.execute(self.sql, values if self.names is None else [values[n] for n in self.names])
            rows = [tuple(row) for row in cur.fetchall()] if cur.description else []
            if any(self.read):
                rows = [tuple(v if f is None or v is None else f(v) for f, v in zip(self.read, row, strict=True))
                        for row in rows]
            return rows
        except self.dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, values, exc, self.dialect.loaded_dbapi.Error) from exc
        finally:
            cur.close()


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
        # Named locks hold a session each while their work runs its queries on self.engine: from a
        # pool of their own, or a dozen follow-ups waiting for a lock would hold every connection
        # the lock's holder needs to finish (a deadlock, seen with two replicas under a burst).
        self._lock_engine: SqlEngine | None = None
        if self.engine.dialect.name == "postgresql":
            locks = self._lock_engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                                                      pool_timeout=300)
            event.listen(self.engine, "engine_disposed", lambda _: locks.dispose())  # one dispose() for both
        # the writers' connections: SQLite's writers wait for the write lock holding one (the pool's
        # checkout is outside the lock), so they come from a pool of their own, which never runs
        # out: a dozen queued writers must not take the connections the readers need (a read never
        # waits for a writer in WAL mode) nor time out waiting for one
        self._writers: SqlEngine = self.engine
        if self.path is not None:
            writers = self._writers = create_engine(url, pool_size=8, max_overflow=-1)
            event.listen(self.engine, "engine_disposed", lambda _: writers.dispose())
        if self.engine.dialect.name == "sqlite":
            def _pragmas(dbapi_conn, _):  # WAL: readers do not block the writer
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                # in WAL mode NORMAL keeps every commit through a crash or kill -9 of the process
                # (only a power loss can lose the last ones), without a disk flush per commit
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=10000")
                cur.close()
            for engine in {self.engine, self._writers}:
                event.listen(engine, "connect", _pragmas)
        self._write_thread_lock = threading.Lock()
        self._prepared: dict[tuple, Prepared] = {}
        self._tx = threading.local()  # the transaction this thread has open, which queries join
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"  # whose claims these are
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
            key = lock_key(name)
            assert self._lock_engine is not None
            with self._lock_engine.connect() as conn:
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
    def transaction(self, *names: str) -> Iterator[Connection]:
        """One write transaction that every query of this store made inside it (in this thread)
        joins, holding the named locks until it ends: read, decide and write as one step, on the
        state as it is (a compare-and-set by lock). PostgreSQL: transaction-level advisory locks;
        SQLite: every writer already queues on the store's write lock for its whole transaction."""
        with self._begin() as conn:
            if self.engine.dialect.name == "postgresql":
                for name in sorted(names):
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(name)})
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection to read with: the open transaction's, else a fresh one."""
        conn = getattr(self._tx, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction, or the one this thread has open already. On SQLite, writers queue
        on a lock (threads, then processes) instead of SQLite's busy handler, which sleeps 1, 2, 5,
        10 ... ms between tries and gives the acks of concurrent writes a long tail."""
        conn = getattr(self._tx, "conn", None)
        if conn is not None:
            yield conn
            return
        # the pool's checkout and return outside the queue: only the transaction holds it (the
        # writers' own pool: a queued writer holds a connection while it waits)
        with self._writers.connect() as conn, self._queued(), conn.begin(), self._holding(conn):
            yield conn

    @property
    def queued(self) -> bool:
        """Whether every writer, in every process, holds one lock for its whole transaction (SQLite
        in a file): nothing can come between what a writer reads and what it writes, as long as
        every write to the file goes through the store (`_begin`, `once`; reads before a
        transaction's first write run outside any SQLite transaction). A process writing to the
        file another way is not queued: don't."""
        return self._write_fd is not None

    @contextmanager
    def _holding(self, conn: Connection) -> Iterator[None]:
        """Queries of this thread join conn while the block runs (as in a transaction of _begin)."""
        self._tx.conn = conn
        try:
            yield
        finally:
            self._tx.conn = None

    @contextmanager
    def _queued(self) -> Iterator[None]:
        if self._write_fd is None:
            yield
            return
        with self._write_thread_lock:
            fcntl.flock(self._write_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._write_fd, fcntl.LOCK_UN)

    def _insert(self, table):
        return (postgresql.insert(table) if self.engine.dialect.name == "postgresql" else sqlite.insert(table))

    def _prepared_statement(self, shape: tuple, build: Callable[[], object], keys: list[str] | None = None) -> Prepared:
        prepared = self._prepared.get(shape)
        if prepared is None:
            prepared = self._prepared.setdefault(shape, Prepared(build(), self.engine.dialect, keys))
        return prepared

    def _run(self, conn: Connection, shape: tuple, build: Callable[[], object], params: dict) -> list[tuple]:
        """Run a statement built once per shape (its name, or its table and columns), prepared."""
        return self._prepared_statement(shape, build).run(conn, params)

    def _rows(self, shape: tuple, build: Callable[[], object], params: dict) -> list[dict]:
        """A SELECT built once per shape, prepared, on the reading connection: its rows by column."""
        prepared = self._prepared_statement(shape, build)
        with self._read() as conn:
            return [dict(zip(prepared.keys, row, strict=True)) for row in prepared.run(conn, params)]

    def _insert_once(self, table, **values) -> bool:
        """Insert a row unless its key is there; False when it was. Never an error, so it can run
        inside a larger transaction."""
        keys = sorted(values)
        prepared = self._prepared_statement(("insert once", table.name, *keys), lambda: self._insert(table)
                                            .on_conflict_do_nothing().returning(*table.primary_key.columns), keys)
        with self._begin() as conn:
            return bool(prepared.run(conn, values))  # the key it returned (rowcount is -1 on psycopg here)

    def _upsert(self, table, key, key_value, **values) -> None:
        """Insert a row or update the columns given; the statement built once per table and columns."""
        shape = (self.engine.dialect.name, table.name, key.name, *sorted(values))
        statement = UPSERTS.get(shape)
        if statement is None:
            insert = self._insert(table)
            statement = UPSERTS.setdefault(shape, insert.on_conflict_do_update(
                index_elements=[key], set_={name: insert.excluded[name] for name in values}))
        with self._begin() as conn:
            conn.execute(statement, {key.name: key_value, **values})
