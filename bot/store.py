"""The bot's store: only live state (processed events, final comment periods, filed RFCs, message
ids); the repository stays the record. SQLite (WAL) by default, PostgreSQL when configured."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, primary_key=True))
events = Table(
    "events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("received", DateTime(timezone=True), nullable=False),
)
fcps = Table(
    "fcps", metadata,
    Column("rfc", Integer, primary_key=True),
    Column("data", Text, nullable=False),
    Column("channel", String(32)),
    Column("message_ts", String(32)),
    Column("updated", DateTime(timezone=True), nullable=False),
)
filings = Table(
    "rfc_filings", metadata,
    Column("number", Integer, primary_key=True),
    Column("branch", String(128), nullable=False),
    Column("path", String(256), nullable=False),
    Column("url", String(512)),
    Column("filed_by", String(64), nullable=False),
    Column("outbox_id", String(36)),
)


registry_events = Table(
    "registry_events", metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("event", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("channel", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("notified", Boolean, nullable=False, default=False),
    Column("received", DateTime(timezone=True), nullable=False),
)
agenda_items = Table(
    "agenda_items", metadata,
    Column("key", String(128), primary_key=True),  # idempotency: one item per source event
    Column("ceremony", String(32), nullable=False),
    Column("meeting_date", String(10), nullable=False),  # the occurrence it is for, local date
    Column("source", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)


jobs = Table(
    "jobs", metadata,
    Column("key", String(160), primary_key=True),  # calendar:occurrence:action, unique per firing
    Column("calendar", String(64), nullable=False),
    Column("occurrence", String(32), nullable=False),  # the meeting's start, ISO UTC
    Column("action", String(32), nullable=False),
    Column("due", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),  # pending | firing | done | missed
    Column("fired", DateTime(timezone=True)),
    Column("late_s", Integer),
)
snapshots = Table(
    "snapshots", metadata,
    Column("key", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)


demos = Table(
    "demo_proposals", metadata,
    Column("id", String(36), primary_key=True),
    Column("data", Text, nullable=False),  # the Proposal as JSON
    Column("updated", DateTime(timezone=True), nullable=False),
)


notes = Table(
    "minutes_notes", metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_date", String(10), nullable=False),
    Column("kind", String(16), nullable=False),  # decision | action
    Column("text", Text, nullable=False),
    Column("by", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)


polls = Table(
    "sig_polls", metadata,
    Column("sig", String(64), primary_key=True),
    Column("data", Text, nullable=False),  # {"slots": [[weekday, minute]], "sizes": [..], "votes": {n: [ids]}}
    Column("updated", DateTime(timezone=True), nullable=False),
)


def _v1(conn: Connection) -> None:
    for table in (events, fcps, filings):
        table.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    for table in (registry_events, agenda_items):
        table.create(conn, checkfirst=True)


def _v3(conn: Connection) -> None:
    for table in (jobs, snapshots):
        table.create(conn, checkfirst=True)


def _v4(conn: Connection) -> None:
    demos.create(conn, checkfirst=True)
    notes.create(conn, checkfirst=True)
    polls.create(conn, checkfirst=True)


# Ordered schema migrations; each runs once, in its own transaction.
MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1), (2, _v2), (3, _v3), (4, _v4)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    def __init__(self, url: str):
        if "://" not in url:
            Path(url).parent.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{url}"
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_conn, _):  # WAL: readers do not block the writer
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=5000")
                cur.close()
        self.migrate()

    def migrate(self) -> int:
        with self.engine.begin() as conn:
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(select(schema_version.c.version)).scalars().all()
        done = max(current, default=0)
        for version, step in MIGRATIONS:
            if version > done:
                with self.engine.begin() as conn:
                    step(conn)
                    conn.execute(insert(schema_version).values(version=version))
                done = version
        return done

    # --- Events API redeliveries ------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """Record an event id; False if it was already recorded (a redelivery)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(events).values(event_id=event_id, received=_now()))
            return True
        except IntegrityError:
            return False

    # --- final comment periods -------------------------------------------------------------------

    def fcp(self, rfc: int) -> tuple[dict, str | None, str | None] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(fcps).where(fcps.c.rfc == rfc)).mappings().first()
        return (json.loads(row["data"]), row["channel"], row["message_ts"]) if row else None

    def save_fcp(self, rfc: int, data: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            changed = conn.execute(update(fcps).where(fcps.c.rfc == rfc)
                                   .values(data=json.dumps(data), updated=_now())).rowcount
            if not changed:
                conn.execute(insert(fcps).values(rfc=rfc, data=json.dumps(data), updated=_now()))

    def set_message(self, rfc: int, channel: str, ts: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(fcps).where(fcps.c.rfc == rfc).values(channel=channel, message_ts=ts))

    def fcps(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [json.loads(r) for r in conn.execute(select(fcps.c.data)).scalars().all()]

    # --- RFCs filed from Slack ------------------------------------------------------------------

    def add_filing(self, number: int, branch: str, path: str, url: str | None, filed_by: str,
                   outbox_id: str | None = None) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(select(filings.c.number).where(filings.c.number == number)).first()
            if not exists:
                conn.execute(insert(filings).values(number=number, branch=branch, path=path, url=url,
                                                    filed_by=filed_by, outbox_id=outbox_id))

    def filing(self, number: int) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(filings).where(filings.c.number == number)).mappings().first()
        return dict(row) if row else None

    def filings(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(filings).order_by(filings.c.number)).mappings().all()]

    # --- MLflow registry deliveries and agenda items -------------------------------------------

    def registry_event(self, delivery_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(registry_events).where(registry_events.c.delivery_id == delivery_id)
                               ).mappings().first()
        return dict(row) if row else None

    def add_registry_event(self, delivery_id: str, event: str, payload: str, channel: str, text: str,
                           agenda: dict | None) -> None:
        """Store a delivery and its agenda item in one transaction; a second call is a no-op."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(registry_events).values(
                    delivery_id=delivery_id, event=event, payload=payload, channel=channel, text=text,
                    notified=False, received=_now()))
                if agenda:
                    conn.execute(insert(agenda_items).values(**agenda, created=_now()))
        except IntegrityError:
            pass

    def claim_notification(self, delivery_id: str) -> bool:
        """Atomically take the right to post a delivery; False if another request already has it."""
        with self.engine.begin() as conn:
            return conn.execute(update(registry_events).where(registry_events.c.delivery_id == delivery_id)
                                .where(registry_events.c.notified.is_(False)).values(notified=True)).rowcount == 1

    def release_notification(self, delivery_id: str) -> None:
        """Posting failed: let the next delivery of the same event post it."""
        with self.engine.begin() as conn:
            conn.execute(update(registry_events).where(registry_events.c.delivery_id == delivery_id)
                         .values(notified=False))

    def agenda(self, ceremony: str = "ml-sync", meeting_date: str | None = None) -> list[dict]:
        query = select(agenda_items).where(agenda_items.c.ceremony == ceremony).order_by(agenda_items.c.created)
        if meeting_date:
            query = query.where(agenda_items.c.meeting_date == meeting_date)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]

    # --- demo proposals -------------------------------------------------------------------------

    def proposals(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [json.loads(d) for d in conn.execute(select(demos.c.data)).scalars().all()]

    def save_proposals(self, changed: list[dict]) -> None:
        """Store several proposals in one transaction (an assignment moves them together)."""
        with self.engine.begin() as conn:
            for data in changed:
                done = conn.execute(update(demos).where(demos.c.id == data["id"])
                                    .values(data=json.dumps(data), updated=_now())).rowcount
                if not done:
                    conn.execute(insert(demos).values(id=data["id"], data=json.dumps(data), updated=_now()))

    def add_agenda_item(self, key: str, meeting_date: str, source: str, text_: str) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(agenda_items).values(key=key, ceremony="ml-sync", meeting_date=meeting_date,
                                                         source=source, text=text_, created=_now()))
            return True
        except IntegrityError:
            return False

    def add_note(self, note_id: str, meeting_date: str, kind: str, text_: str, by: str) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(notes).values(id=note_id, meeting_date=meeting_date, kind=kind, text=text_,
                                                  by=by, created=_now()))
        except IntegrityError:
            pass

    def notes(self, meeting_date: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(notes).where(notes.c.meeting_date == meeting_date)
                                                  .order_by(notes.c.created)).mappings().all()]

    def save_poll(self, sig: str, slots_: list, sizes: list[int]) -> None:
        data = json.dumps({"slots": slots_, "sizes": sizes, "votes": {}})
        with self.engine.begin() as conn:
            if not conn.execute(update(polls).where(polls.c.sig == sig).values(data=data, updated=_now())).rowcount:
                conn.execute(insert(polls).values(sig=sig, data=data, updated=_now()))

    def poll(self, sig: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(polls.c.data).where(polls.c.sig == sig)).scalar()
        return json.loads(row) if row else None

    def vote(self, sig: str, option: str, person: str) -> None:
        """One vote per person: a new vote replaces the old one."""
        with self.engine.begin() as conn:
            row = conn.execute(select(polls.c.data).where(polls.c.sig == sig).with_for_update()).scalar()
            if row is None:
                return
            data = json.loads(row)
            data["votes"] = {k: [p for p in v if p != person] for k, v in data["votes"].items()}
            data["votes"].setdefault(option, []).append(person)
            conn.execute(update(polls).where(polls.c.sig == sig).values(data=json.dumps(data), updated=_now()))
