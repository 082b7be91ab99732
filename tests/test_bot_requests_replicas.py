"""Two bot processes on one PostgreSQL: a person who presses Support on both at once is counted
once, the scheduled tally opens exactly one pull request, and a replica killed (-9) in the middle of
publishing leaves the other to finish the same pull request, not a second one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select

from bot.store import Store
from bot.store.tables import request_votes

from .bot_fixtures import START, doubles, wait_until
from .conftest import REPO
from .test_bot_store import drop_everything

TICK = "2026-11-23T11:00:00+00:00"


@pytest.fixture
def pg(postgres_url):
    drop_everything(postgres_url)
    Store(postgres_url).engine.dispose()  # migrated once, as `mlhub bot` does before its workers start
    yield postgres_url
    drop_everything(postgres_url)


@pytest.fixture
def stack():
    slack, github = doubles()
    yield slack, github
    slack.stop()
    github.stop()


def replica(tmp_path, pg, slack, github, go, *action: str, name: str, lease: float | None = None) -> subprocess.Popen:
    leased = ["--lease", str(lease)] if lease is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.request_replica", "--db", pg, "--slack", slack.url, "--github", github.url,
         "--repo", f"{github.owner}/{github.name}", "--state", str(tmp_path / name), "--go", str(go), *leased,
         *action],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    assert json.loads(line or "{}").get("ready"), proc.stderr.read()
    return proc


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def count_votes(pg: str) -> int:
    engine = create_engine(pg)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(request_votes)).scalar()
    engine.dispose()
    return int(n or 0)


def vote_on_both(tmp_path, pg, slack, github, person: str, rid: str) -> list[str]:
    go = tmp_path / f"go-{person}"
    procs = [replica(tmp_path, pg, slack, github, go, "vote", person, rid, name=f"r{i}") for i in range(2)]
    go.touch()
    return [finish(p)["said"] for p in procs]


def test_a_vote_pressed_on_two_replicas_at_once_counts_once(tmp_path, pg, stack):
    slack, github = stack
    said = vote_on_both(tmp_path, pg, slack, github, "kenji-tanaka", "feature-store")
    assert sorted(s.startswith("Thanks") for s in said) == [False, True], said
    assert any("one vote per person" in s for s in said)
    assert count_votes(pg) == 1
    # the votes outlive the processes: a new store (a restarted bot) reads them
    restarted = Store(pg, migrate=False)
    try:
        assert restarted.votes() == {"feature-store": {"kenji-tanaka": "Search Relevance"}}
    finally:
        restarted.engine.dispose()


def test_two_replicas_ticking_at_once_open_one_pull_request(tmp_path, pg, stack):
    slack, github = stack
    vote_on_both(tmp_path, pg, slack, github, "kenji-tanaka", "feature-store")
    go = tmp_path / "go-tick"
    procs = [replica(tmp_path, pg, slack, github, go, "tick", TICK, name=f"t{i}") for i in range(2)]
    go.touch()
    results = [finish(p) for p in procs]
    assert len(github.pulls) == 1, [p.head for p in github.pulls]
    assert github.pulls[0].head.startswith("request-tally/")
    # both ran their tick: one held the ticker, or the later one found the tally published
    assert all("ticked" in r for r in results)
    go2 = tmp_path / "go-tick-2"
    later = replica(tmp_path, pg, slack, github, go2, "tick", "2026-11-24T11:00:00+00:00", name="t2")
    go2.touch()
    finish(later)
    assert len(github.pulls) == 1  # the same votes: no second pull request


def test_a_replica_killed_while_publishing_leaves_one_pull_request(tmp_path, pg, stack):
    slack, github = stack
    vote_on_both(tmp_path, pg, slack, github, "wei-zhang", "feature-store")
    github.timeout_delay = 15  # the pull request is made; its answer comes after the kill
    github.fail("create_pull", "timeout")
    go = tmp_path / "go-kill"
    first = replica(tmp_path, pg, slack, github, go, "tick", TICK, name="k0", lease=3)
    go.touch()
    wait_until(lambda: len(github.pulls) == 1, 60)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    first.stdout.close()
    first.stderr.close()
    github.timeout_delay = 1.0
    time.sleep(3.5)  # the killed replica's claim on the outbox entry runs out (main's leases)
    go2 = tmp_path / "go-kill-2"
    second = replica(tmp_path, pg, slack, github, go2, "tick", TICK, name="k1", lease=3)
    go2.touch()
    finish(second)
    assert len(github.pulls) == 1
    pull = github.pulls[0]
    assert pull.labels == ["request"]  # the survivor finished what the killed one began
    assert "wei-zhang" in github.files[pull.head]["requests/feature-store.yaml"]
    assert START.date().isoformat() in github.files[pull.head]["requests/feature-store.yaml"]
