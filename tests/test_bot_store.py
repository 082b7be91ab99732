"""The bot's store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from bot.store import MIGRATIONS, Store
from mlhub.content.models import Disposition
from mlhub.rfc import fcp as rules


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        yield Store(f"sqlite:///{tmp_path / 'bot.sqlite'}")
        return
    url = request.getfixturevalue("postgres_url")
    s = Store(url)
    yield s
    from bot.store import metadata

    with s.engine.begin() as conn:  # a clean database for the next test
        metadata.drop_all(conn)
    s.engine.dispose()


def test_migrations_run_once(store):
    assert store.migrate() == MIGRATIONS[-1][0]
    assert store.migrate() == MIGRATIONS[-1][0]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM schema_version")).scalar() == len(MIGRATIONS)


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


def test_fcp_state_round_trips(store):
    now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
    state = rules.Fcp(3, "sig-pipelines", ("lea-fischer",), Disposition.accept, "hannah-okafor", now, "feast",
                      "Adopt Feast.", frozenset({"hannah-okafor"}),
                      (rules.Concern("cost", "sofia-martins", now, None, True),), now, None,
                      dt.timedelta(days=2), "paused")
    store.save_fcp(3, rules.to_json(state))
    store.set_message(3, "C1", "1.2")
    data, channel, ts = store.fcp(3)
    assert rules.from_json(data) == state and (channel, ts) == ("C1", "1.2")
    store.save_fcp(3, rules.to_json(rules.Fcp(**{**state.__dict__, "state": "running"})))
    assert rules.from_json(store.fcp(3)[0]).state == "running"
    assert len(store.fcps()) == 1


def test_filings(store):
    store.add_filing(3, "rfc/0003", "rfcs/0003-x.md", "http://x/pull/1", "U1", "id-1")
    store.add_filing(3, "rfc/0003", "rfcs/0003-x.md", "http://x/pull/1", "U1", "id-1")  # idempotent
    assert [f["number"] for f in store.filings()] == [3]
    assert store.filing(3)["branch"] == "rfc/0003" and store.filing(4) is None
