"""The bot's store on SQLite and on a real PostgreSQL server: Alembic migrations (from nothing, and
from the hand-written migrations' schema), named locks across processes, and the queries."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import multiprocessing
import os
import threading
import time

import pytest
from sqlalchemy import create_engine, inspect, text

from bot.store import HEAD, Store, Taken
from bot.store.tables import metadata
from mlhub.content.models import Disposition
from mlhub.rfc import fcp as rules

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def drop_everything(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        for table in ("alembic_version", "schema_version", "outbox"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite'}"
        return
    pg = request.getfixturevalue("postgres_url")
    drop_everything(pg)
    yield pg
    drop_everything(pg)


@pytest.fixture
def store(url):
    s = Store(url, clock=lambda: NOW)
    yield s
    s.engine.dispose()


def test_migrations_run_once_to_the_newest_revision(url):
    first = Store(url)
    assert first.revision() == HEAD
    assert first.migrate() == HEAD  # again: nothing to do
    with first.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    first.engine.dispose()


def legacy_v4(url: str) -> None:
    """A store as the hand-written migrations left it: their four versions, and an FCP whose JSON
    kept the bot's bookkeeping."""
    from alembic import command

    from bot.store import _alembic

    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic(conn), "0001")
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("CREATE TABLE schema_version (version INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO schema_version VALUES (1), (2), (3), (4)"))
        fcp = rules.to_json(rules.Fcp(3, "sig-pipelines", ("lea-fischer",), Disposition.accept, "hannah-okafor", NOW))
        conn.execute(text("INSERT INTO fcps (rfc, data, updated) VALUES (3, :d, :u)"),
                     {"d": json.dumps(fcp | {"decided_on": "2026-12-01", "announced": True}), "u": NOW})
    engine.dispose()


def test_a_store_made_by_the_hand_written_migrations_is_upgraded_and_keeps_its_data(url):
    legacy_v4(url)
    s = Store(url)
    assert s.revision() == HEAD
    row = s.fcp(3)
    assert row.fcp.proposed_by == "hannah-okafor" and (row.decided_on, row.announced) == ("2026-12-01", True)
    with s.engine.connect() as conn:
        assert "schema_version" not in inspect(conn).get_table_names()
    s.engine.dispose()


def test_sqlite_uses_wal(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_event_ids_are_recorded_once_even_concurrently(store):
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.first_delivery("Ev1"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def _hold(url: str, name: str, taken, release) -> None:
    s = Store(url, migrate=False)
    with s.lock(name) as got:
        taken.put(got)
        release.wait(10)


def test_a_named_lock_holds_across_processes(store, url):
    ctx = multiprocessing.get_context("spawn")
    taken, release = ctx.Queue(), ctx.Event()
    other = ctx.Process(target=_hold, args=(url, "ticker", taken, release))
    other.start()
    try:
        assert taken.get(timeout=60) is True
        with store.lock("ticker", wait=False) as mine:
            assert mine is False  # the other process has it
        with store.lock("another", wait=False) as mine:
            assert mine is True
    finally:
        release.set()
        other.join(20)
    with store.lock("ticker", wait=False) as mine:
        assert mine is True


def test_fcp_state_round_trips(store):
    state = rules.Fcp(3, "sig-pipelines", ("lea-fischer",), Disposition.accept, "hannah-okafor", NOW, "feast",
                      "Adopt Feast.", frozenset({"hannah-okafor"}),
                      (rules.Concern("cost", "sofia-martins", NOW, None, True),), NOW, None,
                      dt.timedelta(days=2), rules.FcpState.paused)
    store.save_fcp(state)
    store.set_message(3, "C1", "1.2")
    row = store.fcp(3)
    assert row.fcp == state and (row.channel, row.ts, row.announced) == ("C1", "1.2", False)
    store.save_fcp(rules.Fcp(**{**state.__dict__, "state": rules.FcpState.running}))
    assert store.fcp(3).fcp.state is rules.FcpState.running and len(store.fcps()) == 1
    assert store.mark_announced(3) and not store.mark_announced(3)


def test_filings_polls_zones_and_channels(store):
    store.add_filing(3, "rfc/0003", "rfcs/0003-x.md", "http://x/pull/1", "U1", "id-1", "---\n")
    store.add_filing(3, "rfc/0003", "rfcs/0003-x.md", "http://x/pull/1", "U1", "id-1")  # idempotent
    assert [f["number"] for f in store.filings()] == [3] and store.filing(3)["text"] == "---\n"
    assert store.filing(4) is None
    assert store.request_poll("sig-a") and not store.request_poll("sig-a")  # one poll in preparation
    assert store.poll("sig-a") is None and not store.vote("sig-a", "1", "x")
    store.save_poll("sig-a", [[0, 600]], [1])
    assert store.vote("sig-a", "1", "x") and store.poll("sig-a")["votes"] == {"1": ["x"]}
    store.save_zone("U1", "America/Toronto")
    assert store.zones(["U1", "U2"], dt.timedelta(hours=1)) == {"U1": "America/Toronto"}
    store.save_channel("sig-serving", "C0000004")
    assert store.channel_id("sig-serving") == "C0000004" and store.channel_id("nope") is None


class Moving:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def test_a_claim_whose_owner_died_is_taken_over_after_its_lease_and_nothing_is_redone(url):
    """Two processes (two stores, two owners): a job claimed by one that died is not `firing`
    forever; a post it had made (its ts written down) is not made again; a registry delivery it was
    posting is taken over by MLflow's retry after the lease."""
    from bot.store.tables import registry_events

    clock = Moving(NOW)
    dead, alive = Store(url, clock=clock), Store(url, clock=clock, migrate=False)
    try:
        lease = dt.timedelta(minutes=10)
        dead.add_job(key="k", calendar="ml-sync", occurrence=NOW.isoformat(), action="reminder", due=NOW,
                     state="pending")
        assert dead.claim_job("k", "pending", "firing", NOW, lease) is not None
        later = NOW + dt.timedelta(minutes=5)
        assert alive.due_jobs("pending", later, abandoned="firing") == []  # the lease holds
        assert alive.claim_job("k", "pending", "firing", later, lease) is None
        after = NOW + dt.timedelta(minutes=11)
        assert [j["key"] for j in alive.due_jobs("pending", after, abandoned="firing")] == ["k"]
        assert alive.claim_job("k", "pending", "firing", after, lease) is not None
        assert not dead.move_job("k", "firing", state="done")  # no longer its claim
        assert alive.move_job("k", "firing", state="done", owner=None)

        assert dead.claim("fcp-end:3", lease) == (True, None)
        dead.note_claim("fcp-end:3", "C1/1.2")  # it posted, then died before finishing
        assert alive.claim("fcp-end:3", lease) == (False, None)  # still its lease
        clock.now = after
        assert alive.take("fcp-end:3", lease) == Taken(True, "C1/1.2", NOW)  # taken over: what was posted is known
        alive.finish("fcp-end:3", "C1/1.2")
        assert alive.claim("fcp-end:3", lease) == (False, "C1/1.2") and alive.done("fcp-end:3")

        clock.now = NOW
        with dead.engine.begin() as conn:
            conn.execute(registry_events.insert().values(delivery_id="d1", event="e", payload="{}", channel="c",
                                                         text="t", notified=False, received=NOW))
        assert dead.claim_notification("d1", lease).since is None and not alive.claim_notification("d1", lease)
        clock.now = after
        assert alive.claim_notification("d1", lease).since == NOW  # taken over: its post is looked for from then
        alive.posted_notification("d1", "1.5")
        assert not dead.claim_notification("d1", lease) and alive.registry_event("d1")["posted_ts"] == "1.5"
    finally:
        dead.engine.dispose()
        alive.engine.dispose()


def test_a_request_is_answered_once_and_a_refusal_is_an_answer_too(store):
    from bot import delivery
    from bot.refusal import Refusal

    calls = []

    def work():
        calls.append(1)
        store.add_note(f"n{len(calls)}", "2026-12-01", "decision", "x", "me")
        return "done"

    assert delivery.once(store, "cmd:1", work) == delivery.Answer("done")
    assert delivery.once(store, "cmd:1", work) == delivery.Answer("done", replayed=True)
    assert len(calls) == 1 and len(store.notes("2026-12-01")) == 1

    def refuse():
        store.add_note("n-refused", "2026-12-01", "decision", "y", "me")
        raise Refusal("no")

    assert delivery.once(store, "cmd:2", refuse) == delivery.Answer("no", refused=True)
    assert len(store.notes("2026-12-01")) == 1  # what ran before the refusal was rolled back
    assert delivery.once(store, "cmd:2", work).replayed and len(calls) == 1

    def crash():  # not a refusal: nothing is kept, not even the key, so that Slack's retry does it
        store.add_note("n-crash", "2026-12-01", "decision", "z", "me")
        raise RuntimeError("the process failed mid-way")

    with pytest.raises(RuntimeError):
        delivery.once(store, "cmd:3", crash)
    assert store.first_answer("cmd:3") is None and len(store.notes("2026-12-01")) == 1
    assert delivery.once(store, "cmd:3", work) == delivery.Answer("done") and len(calls) == 2
    assert [n["id"] for n in store.notes("2026-12-01")] == ["n1", "n2"]


def test_prepared_statements_read_and_write_what_core_does(store):
    """The hot statements skip Core's execution (bot.store.database.Prepared): the same values go
    in and come out as through Core (a time, a flag, JSON), and a duplicate key is Core's
    IntegrityError, on both databases."""
    from sqlalchemy.exc import IntegrityError

    from bot.store import FCP, REQUEST
    from bot.store.tables import agenda_items

    fcp = rules.Fcp(7, "sig-pipelines", ("lea-fischer",), Disposition.accept, "hannah-okafor", NOW)
    store.save_fcp(fcp, announced=True, decided_on="2026-11-30")
    with store.engine.connect() as conn:
        core = dict(conn.execute(FCP, {"rfc": 7}).mappings().one())
    prepared = store._rows(("fcp",), lambda: FCP, {"rfc": 7})
    assert prepared == [core] and core["announced"] is True and isinstance(core["updated"], dt.datetime)
    assert [type(v) for v in prepared[0].values()] == [type(v) for v in core.values()]  # True, not 1
    assert store.fcp(7).fcp == fcp and store.fcp(7).announced and store.fcp(8) is None

    assert store.add_agenda_item("k1", "2026-12-01", "slack", "an item") is True
    assert store.add_agenda_item("k1", "2026-12-01", "slack", "again") is False  # the key is there
    with store.engine.connect() as conn:
        row = conn.execute(agenda_items.select()).mappings().one()
    assert (row["text"], row["link"], row["created"].replace(tzinfo=dt.UTC)) == ("an item", None, NOW)
    from bot.store import AGENDA_OF_DAY
    with store.engine.connect() as conn:
        core_agenda = [dict(r) for r in conn.execute(AGENDA_OF_DAY, {"ceremony": "ml-sync", "day": "2026-12-01"})
                       .mappings()]
    assert store.agenda(meeting_date="2026-12-01") == core_agenda == [dict(row)]

    with store._begin() as conn:
        store._run(conn, ("request",), lambda: REQUEST, {"key": "k", "answer": "a", "created": NOW})
    with pytest.raises(IntegrityError), store._begin() as conn:
        store._run(conn, ("request",), lambda: REQUEST, {"key": "k", "answer": "b", "created": NOW})
    assert store.first_answer("k") == "a"
    from bot.store import REQUEST_CLAIM, ZONES
    from bot.store.database import Prepared

    for unpreparable in (REQUEST_CLAIM, ZONES):  # a literal value; an IN (...) of a list
        with pytest.raises(ValueError, match="only a statement whose every parameter"):
            Prepared(unpreparable, store.engine.dialect)
    with store.engine.begin() as conn:  # stored as Core stores it: SQL compares and orders them alike
        conn.execute(REQUEST, {"key": "core", "answer": "c", "created": NOW})
        same = conn.execute(text("SELECT COUNT(*) FROM requests WHERE created = "
                                 "(SELECT created FROM requests WHERE key = 'core')")).scalar()
    assert same == 2


def test_writers_queued_on_sqlite_leave_the_readers_their_connections(tmp_path):
    """On SQLite every writer queues on the write lock (threads, then processes). While another
    process holds it (a slow writer), the writers queued here must not take every pooled connection:
    a read does not wait for a writer (WAL), and before the writers' checkout moved ahead of the
    lock, 15 queued writers made it wait for the pool (QueuePool's 30 s timeout, then an error)."""
    store = Store(f"sqlite:///{tmp_path / 'bot.sqlite'}", clock=lambda: NOW)
    store.save_fcp(rules.Fcp(7, "sig-pipelines", ("lea-fischer",), Disposition.accept, "hannah-okafor", NOW))
    fd = os.open(f"{store.path}.write.lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # its own open file: held as another process holds it
    errors: list[Exception] = []

    def write(i: int) -> None:
        try:
            store.once(f"k{i}", lambda: "done")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    read: list = []
    reader = threading.Thread(target=lambda: read.append(store.fcp(7)))
    try:
        for w in writers:
            w.start()
        time.sleep(0.5)  # the writers queue (were some still starting, the read could only pass)
        reader.start()
        reader.join(10)
        done_while_held = not reader.is_alive()
    finally:
        os.close(fd)  # lets the writers through
    reader.join()
    for w in writers:
        w.join()
    assert done_while_held, "a read waited for the writers queued on the write lock"
    assert read[0].fcp.rfc == 7 and errors == []
    assert [store.first_answer(f"k{i}") for i in range(20)] == ["done"] * 20
    store.engine.dispose()


def test_an_outbox_file_from_before_moves_into_the_store_once(tmp_path):
    """Older versions kept the outbox in a file of its own: its entries move into the store's
    outbox at the first start (through the store's queued writers), the file is renamed, and a
    second start moves nothing."""
    from bot.run import outbox_of
    from mlhub.publish.outbox import Outbox

    old = Outbox(tmp_path / "outbox.sqlite")
    ids = [old.add("rfc", {"n": n}).id for n in range(3)]
    old.engine.dispose()
    store = Store(str(tmp_path / "bot.sqlite"), clock=lambda: NOW)
    try:
        box = outbox_of(store, tmp_path)
        assert sorted(e.id for e in box.entries()) == sorted(ids)
        assert not (tmp_path / "outbox.sqlite").exists() and (tmp_path / "outbox.sqlite.imported").exists()
        assert len(outbox_of(store, tmp_path).entries()) == 3  # nothing moved twice
    finally:
        store.engine.dispose()
