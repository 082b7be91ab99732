"""The outbox: every publish request is stored before the first remote call, with its progress,
so a crash or a failed call never loses it and a retry finishes it without doing anything twice.
Whoever works on an entry claims it first with a lease (owner and expiry): two replicas, or the bot
and `mlhub outbox retry`, never run one entry at once, and a claim whose owner died is taken over
once its lease has run out."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from mlhub.publish import PublishError

WITHDRAWN = "withdrawn by hand: "  # the message of an entry `mlhub outbox drop` failed, before its reason
LEASE = dt.timedelta(minutes=5)  # renewed at each step a publisher records, so only a dead owner's runs out


class EntryState(StrEnum):
    """Where a publish request stands."""

    pending = "pending"  # stored; not (fully) published yet
    done = "done"
    failed = "failed"


metadata = MetaData()
outbox = Table(
    "outbox", metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # an EntryState
    Column("payload", Text, nullable=False),
    Column("journal", Text, nullable=False, default="{}"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("owner", String(128)),  # who works on it now (a claim), with its lease
    Column("lease_until", DateTime(timezone=True)),
)


@dataclass
class Entry:
    id: str
    kind: str
    state: EntryState
    payload: dict[str, Any]
    journal: dict[str, Any]
    attempts: int
    message: str
    created: dt.datetime
    updated: dt.datetime
    owner: str | None = None
    lease_until: dt.datetime | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_owner(who: str = "") -> str:
    """A name for one claim: host, process and a random part, so no two claims share it."""
    return f"{who or 'mlhub'}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]


class Outbox:
    """The outbox table, on the bot store's database (an Engine whose migrations made the table) or
    on a file or URL of its own (the table is created here)."""

    def __init__(self, target: str | Path | Engine | Any, clock: Callable[[], dt.datetime] = _now,
                 lease: dt.timedelta = LEASE):
        """target: the bot's store (its transactions are joined: an entry stored while a request's
        transaction is open commits or rolls back with it), an Engine, or a file or URL."""
        self.clock, self.lease = clock, lease
        if hasattr(target, "transaction") and hasattr(target, "engine"):  # the bot's store
            store: Any = target
            self.engine = store.engine
            self._begin, self._read = store._begin, store._read
            return
        self._begin, self._read = self._engine_begin, self._engine_read
        if isinstance(target, Engine):
            self.engine = target
            return
        url = str(target)
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{url}"
        self.engine = create_engine(url)
        self._begin, self._read = self.engine.begin, self.engine.connect
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                conn.exec_driver_sql("PRAGMA busy_timeout=10000")
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:  # a file from before claims had leases
            have = {c["name"] for c in inspect(conn).get_columns("outbox")}
            for name, kind in (("owner", "VARCHAR(128)"), ("lease_until", "DATETIME")):
                if name not in have:
                    conn.exec_driver_sql(f"ALTER TABLE outbox ADD COLUMN {name} {kind}")

    def add(self, kind: str, payload: dict[str, Any], entry_id: str | None = None) -> Entry:
        """Store a request. With an entry_id (derived from the request, e.g. a Slack view id),
        storing the same request twice keeps one entry: a pending one takes the new payload (the
        next attempt sends the current text), a failed one is stored again as pending (asked
        for anew, once what was in its way is gone), a done one is returned as it is."""
        now = self.clock()
        row: dict[str, Any] = dict(id=entry_id or str(uuid.uuid4()), kind=kind, state=EntryState.pending.value,
                   payload=json.dumps(payload), journal="{}", attempts=0, message="stored, not yet published",
                   created=now, updated=now)
        insert = (postgresql.insert(outbox) if self.engine.dialect.name == "postgresql" else sqlite.insert(outbox))
        with self._begin() as conn:  # no error on a stored key: it may run inside a larger transaction
            if conn.execute(insert.values(**row).on_conflict_do_nothing().returning(outbox.c.id)).first() is None:
                # stored before (maybe by another replica at the same moment)
                conn.execute(update(outbox).where(outbox.c.id == row["id"], outbox.c.state == EntryState.pending.value)
                             .values(payload=row["payload"], updated=now))
                conn.execute(update(outbox).where(outbox.c.id == row["id"], outbox.c.state == EntryState.failed.value)
                             .values(payload=row["payload"], state=EntryState.pending.value, updated=now,
                                     message="stored again, not yet published"))
            found = conn.execute(select(outbox).where(outbox.c.id == row["id"])).mappings().one()
        return _entry(found)

    def _engine_begin(self):
        return self.engine.begin()

    def _engine_read(self):
        return self.engine.connect()

    def get(self, entry_id: str) -> Entry:
        with self._read() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == entry_id)).mappings().first()
        if row is None:
            raise KeyError(entry_id)
        return _entry(row)

    def find(self, prefix: str) -> Entry:
        """An entry by its id or a unique prefix of it, as the CLI shows them."""
        with self._read() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.id.startswith(prefix))).mappings().all()
        if len(rows) != 1:
            raise KeyError(f"{len(rows)} outbox entries match {prefix!r}")
        return _entry(rows[0])

    def entries(self, state: EntryState | str | None = None, kind: str | None = None) -> list[Entry]:
        query = select(outbox).order_by(outbox.c.created, outbox.c.id)
        if state:
            query = query.where(outbox.c.state == state)
        if kind:
            query = query.where(outbox.c.kind == kind)
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(query).mappings().all()]

    def update(self, entry_id: str, **fields: Any) -> None:
        if "state" in fields and not isinstance(fields["state"], EntryState):
            raise TypeError(f"an entry's state is an EntryState, not {fields['state']!r}")
        for key in ("payload", "journal"):
            if key in fields:
                fields[key] = json.dumps(fields[key])
        fields["updated"] = self.clock()
        with self._begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == entry_id).values(**fields))

    # --- claims -----------------------------------------------------------------------------------

    def claim(self, entry_id: str, owner: str) -> Entry | None:
        """Take a pending entry for `owner` (one statement: a compare-and-set on owner and lease);
        None when it is finished or another owner's lease still runs. Counts the attempt."""
        now = self.clock()
        with self._begin() as conn:
            taken = conn.execute(
                update(outbox).where(outbox.c.id == entry_id, outbox.c.state == EntryState.pending.value,
                                     or_(outbox.c.owner.is_(None), outbox.c.owner == owner,
                                         outbox.c.lease_until < now))
                .values(owner=owner, lease_until=now + self.lease, attempts=outbox.c.attempts + 1, updated=now)
            ).rowcount == 1
        return self.get(entry_id) if taken else None

    def renew(self, entry_id: str, owner: str, **fields: Any) -> bool:
        """Extend a claim (and store fields with it); False when the claim was lost to a takeover."""
        for key in ("payload", "journal"):
            if key in fields:
                fields[key] = json.dumps(fields[key])
        now = self.clock()
        with self._begin() as conn:
            return conn.execute(update(outbox).where(outbox.c.id == entry_id, outbox.c.owner == owner)
                                .values(lease_until=now + self.lease, updated=now, **fields)).rowcount == 1

    def release(self, entry_id: str, owner: str, **fields: Any) -> None:
        """End a claim, storing how it ended (state, message)."""
        fields.update(owner=None, lease_until=None, updated=self.clock())
        with self._begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == entry_id, outbox.c.owner == owner).values(**fields))

    def withdraw(self, entry_id: str, reason: str) -> bool:
        """Mark an entry failed by hand (pending or published: it no longer counts as waiting),
        with the reason; False when a worker holds it now."""
        now = self.clock()
        with self._begin() as conn:
            free = or_(outbox.c.owner.is_(None), outbox.c.lease_until < now)
            return conn.execute(update(outbox).where(outbox.c.id == entry_id, free).values(
                state=EntryState.failed.value, message=WITHDRAWN + reason, owner=None, lease_until=None,
                updated=now)).rowcount == 1

    def journal(self, entry_id: str, owner: str | None = None) -> EntryJournal:
        return EntryJournal(self, entry_id, owner)


class ClaimLost(Exception):
    """Another owner took the entry over (this one's lease ran out): stop without writing more."""


class EntryJournal:
    """The Journal of one outbox entry: each set() is committed before the next remote call, and
    renews the claim when the journal belongs to one."""

    def __init__(self, box: Outbox, entry_id: str, owner: str | None = None):
        self.box, self.entry_id, self.owner = box, entry_id, owner
        self.data = box.get(entry_id).journal

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        if self.owner is None:
            self.box.update(self.entry_id, journal=self.data)
        elif not self.box.renew(self.entry_id, self.owner, journal=self.data):
            raise ClaimLost(f"outbox entry {self.entry_id[:8]} was taken over by another worker")


class Busy(Exception):
    """Another worker holds the entry's claim and its lease still runs."""


class Failed(PublishError):
    """The entry failed for good earlier (its message says why): nothing is tried again."""

    final = True


T = TypeVar("T")


def run_claimed(box: Outbox, entry_id: str, work: Callable[[Entry, EntryJournal], T], who: str = "") -> T | None:
    """Claim an entry, run `work` on it with its journal, and record how it ended: done with the
    result's text, or pending with the PublishError's message (the error is raised again), or
    failed when the error is final (no retry can publish it). None when the entry was finished
    already; Busy when another worker holds it; Failed when it failed before."""
    owner = new_owner(who)
    entry = box.claim(entry_id, owner)
    if entry is None:
        now = box.get(entry_id)
        if now.state is EntryState.done:
            return None
        if now.state is EntryState.failed:
            raise Failed(now.message)
        raise Busy(f"another worker publishes it now (claimed by {now.owner} until {now.lease_until:%H:%M:%S} UTC)")
    try:
        out = work(entry, box.journal(entry_id, owner))
    except PublishError as exc:
        box.release(entry_id, owner, message=str(exc), **({"state": EntryState.failed.value} if exc.final else {}))
        raise
    except BaseException:
        box.release(entry_id, owner)
        raise
    box.release(entry_id, owner, state=EntryState.done.value, message=str(out))
    return out


def import_file(box: Outbox, path: Path) -> int:
    """Move the entries of an outbox file of its own (before the outbox joined the bot's store)
    into `box`; the file is renamed so it is read once. Returns how many were moved."""
    if not path.is_file():
        return 0
    old = Outbox(path)  # adds the claim columns to an old file
    moved = 0
    with old.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(outbox)).mappings().all()]
    old.engine.dispose()
    for row in rows:
        try:
            with box._begin() as conn:  # the store's: queued with every other writer
                conn.execute(outbox.insert().values(**{**row, "owner": None, "lease_until": None}))
            moved += 1
        except IntegrityError:
            pass
    try:
        path.rename(path.with_name(path.name + ".imported"))
    except FileNotFoundError:  # another process starting at the same time moved it
        pass
    return moved


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _when(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _entry(row) -> Entry:
    return Entry(id=row["id"], kind=row["kind"], state=EntryState(row["state"]), payload=json.loads(row["payload"]),
                 journal=json.loads(row["journal"]), attempts=row["attempts"], message=row["message"],
                 created=_when(row["created"]), updated=_when(row["updated"]), owner=row.get("owner"),
                 lease_until=_aware(row.get("lease_until")))
