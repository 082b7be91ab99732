"""The outbox: every publish request is stored before the first remote call, with its progress,
so a crash or a failed call never loses it and a retry finishes it without doing anything twice."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import Engine


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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Outbox:
    def __init__(self, url_or_path: str | Path):
        url = str(url_or_path)
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{url}"
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            with self.engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        metadata.create_all(self.engine)

    def add(self, kind: str, payload: dict[str, Any], entry_id: str | None = None) -> Entry:
        """Store a request. With an entry_id (derived from the request, e.g. a Slack view id),
        storing the same request twice keeps one entry."""
        now = _now()
        if entry_id is not None:
            try:
                return self.get(entry_id)
            except KeyError:
                pass
        row = dict(id=entry_id or str(uuid.uuid4()), kind=kind, state=EntryState.pending.value,
                   payload=json.dumps(payload),
                   journal="{}", attempts=0, message="stored, not yet published", created=now,
                   updated=now)
        with self.engine.begin() as conn:
            conn.execute(outbox.insert().values(**row))
        return self.get(row["id"])

    def get(self, entry_id: str) -> Entry:
        with self.engine.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == entry_id)).mappings().first()
        if row is None:
            raise KeyError(entry_id)
        return _entry(row)

    def find(self, prefix: str) -> Entry:
        """An entry by its id or a unique prefix of it, as the CLI shows them."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.id.startswith(prefix))).mappings().all()
        if len(rows) != 1:
            raise KeyError(f"{len(rows)} outbox entries match {prefix!r}")
        return _entry(rows[0])

    def entries(self, state: EntryState | str | None = None) -> list[Entry]:
        query = select(outbox).order_by(outbox.c.created)
        if state:
            query = query.where(outbox.c.state == state)
        with self.engine.connect() as conn:
            return [_entry(r) for r in conn.execute(query).mappings().all()]

    def update(self, entry_id: str, **fields: Any) -> None:
        for key in ("payload", "journal"):
            if key in fields:
                fields[key] = json.dumps(fields[key])
        fields["updated"] = _now()
        with self.engine.begin() as conn:
            conn.execute(outbox.update().where(outbox.c.id == entry_id).values(**fields))

    def journal(self, entry_id: str) -> EntryJournal:
        return EntryJournal(self, entry_id)


class EntryJournal:
    """The Journal of one outbox entry: each set() is committed before the next remote call."""

    def __init__(self, box: Outbox, entry_id: str):
        self.box, self.entry_id = box, entry_id
        self.data = box.get(entry_id).journal

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.box.update(self.entry_id, journal=self.data)


def _entry(row) -> Entry:
    return Entry(id=row["id"], kind=row["kind"], state=EntryState(row["state"]), payload=json.loads(row["payload"]),
                 journal=json.loads(row["journal"]), attempts=row["attempts"], message=row["message"],
                 created=row["created"], updated=row["updated"])
