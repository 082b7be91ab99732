"""Claims on the outbox in the bot's store, on SQLite and on a real PostgreSQL server: two
processes racing for the same entries each get a disjoint share, and every entry exactly one owner;
the table is the one migration 0004 makes."""

from __future__ import annotations

import multiprocessing

from bot.store import Store
from mlhub.publish.outbox import Outbox

from .test_bot_store import url  # noqa: F401  (SQLite and PostgreSQL)

ENTRIES = 40


def _race(db_url: str, owner: str, barrier, out) -> None:
    box = Outbox(Store(db_url, migrate=False).engine)
    barrier.wait()
    out.put((owner, [e for e in (f"e{i}" for i in range(ENTRIES)) if box.claim(e, owner) is not None]))


def test_two_processes_claiming_the_same_entries_never_share_one(url):  # noqa: F811
    store = Store(url)
    box = Outbox(store.engine)
    for i in range(ENTRIES):
        box.add("minutes", {"day": f"d{i}", "text": "x"}, entry_id=f"e{i}")
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(url, f"replica-{n}", barrier, out)) for n in (1, 2)]
    for p in procs:
        p.start()
    got = dict(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    claimed = got["replica-1"] + got["replica-2"]
    print(f"\nclaims: replica-1 {len(got['replica-1'])}, replica-2 {len(got['replica-2'])} of {ENTRIES}")
    assert sorted(claimed) == sorted(f"e{i}" for i in range(ENTRIES))  # each exactly once
    owners = {e.id: e.owner for e in box.entries()}
    assert all(owners[e] == "replica-1" for e in got["replica-1"])
    assert all(owners[e] == "replica-2" for e in got["replica-2"])
    assert all(e.attempts == 1 for e in box.entries())
    store.engine.dispose()
