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


def test_a_retry_killed_in_the_middle_is_taken_over_after_its_lease_with_one_pull_request(tmp_path):
    import datetime as dt
    import os
    import signal
    import subprocess
    import sys

    from sqlalchemy import update

    from mlhub.publish.outbox import EntryState, outbox

    from .bot_fixtures import wait_until
    from .conftest import REPO
    from .fakes.github import FakeGitHub

    fake = FakeGitHub(timeout_delay=60).start()
    try:
        store = Store(f"sqlite:///{tmp_path / 'bot.sqlite'}")
        box = Outbox(store.engine)
        entry = box.add("minutes", {"day": "2026-11-24", "text": "# ML Sync 2026-11-24\n"}, entry_id="m1")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "MLHUB_ROOT": str(REPO),
               "MLHUB_STATE_DIR": str(tmp_path), "GITHUB_URL": fake.url, "GITHUB_TOKEN": "test-token",
               "GITHUB_REPO": "acme/mlhub"}

        def retry() -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "mlhub", "outbox", "retry"], env=env, capture_output=True,
                                  text=True, timeout=120)

        fake.fail("create_pull", "timeout")  # the pull request is made; the answer never comes in time
        proc = subprocess.Popen([sys.executable, "-m", "mlhub", "outbox", "retry"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: fake.calls("create_pull") == 1, timeout=90)
        os.kill(proc.pid, signal.SIGKILL)  # killed while waiting for GitHub's answer
        proc.wait(10)
        held = box.get(entry.id)
        assert held.state is EntryState.pending and held.owner and held.owner.startswith("mlhub-outbox-retry@")
        assert len(fake.pulls) == 1  # what the killed process did on GitHub
        res = retry()  # its lease still runs: nobody else touches the entry
        assert res.returncode == 1 and "being published by another worker" in res.stderr, res.stderr
        with box.engine.begin() as conn:  # five minutes later
            conn.execute(update(outbox).where(outbox.c.id == entry.id)
                         .values(lease_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        res = retry()
        assert res.returncode == 0 and "pull request #1 is open" in res.stdout, res.stdout + res.stderr
        assert [p.head for p in fake.pulls] == ["ml-sync/2026-11-24"] and fake.pulls[0].labels == ["ml-sync"]
        assert not [b for b in fake.branches if b.startswith("mlhub-draft/")]
        done = box.get(entry.id)
        assert (done.state, done.attempts, done.owner) == (EntryState.done, 2, None)
        store.engine.dispose()
    finally:
        fake.stop()
