"""A claim whose owner was killed is taken over, and its Slack post is made exactly once: real bot
processes (the production server) on one PostgreSQL, one killed with SIGKILL while it holds the
claim on a scheduled job's post or a registry delivery's post, either before Slack answered or
after Slack answered and before the ts was written down (the test-only fault point
MLHUB_TEST_FAULT of bot.channels holds the process there); a second process takes the claim over
after the lease and finds the dead one's message by the claim's key in its metadata, or posts it.
Each test prints its counts and asserts every answer Slack gave."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from bot.ceremonies import registry
from bot.channels import EVENT_TYPE
from bot.scheduler import GRACE
from bot.scheduler import LEASE as JOB_LEASE
from bot.store.tables import jobs, registry_events
from mlhub import calendar
from mlhub.community.jobs import timings
from mlhub.content import load

from .bot_fixtures import START, doubles
from .bot_server import ServerProcess
from .conftest import REPO
from .test_bot_store import drop_everything

HOOK_SECRET = "takeover-hook-secret"
HOLD = "120"  # seconds the fault point holds a process: far longer than the test waits to kill it


def first_job_due() -> dt.datetime:
    """The first scheduled post due at or after the tests' Monday morning."""
    hub = load(REPO)
    return min(t.due(o.start, o.end) for o in calendar.upcoming(hub, START - GRACE, days=3)
               for t in timings(o.calendar) if t.due(o.start, o.end) >= START)


class Replicas:
    """Bot processes started one after the other on one store and one Slack double, each with a
    clock `ahead` of the first one's (a replica started after the lease ran out)."""

    def __init__(self, tmp_path: Path, db: str, reads: dt.datetime):
        self.tmp, self.db = tmp_path, db
        self.slack, self.github = doubles()
        self.epoch = time.time() - (reads - START).total_seconds()  # the first process's clock reads `reads` now
        self.slack.ws.clock = lambda: (START + dt.timedelta(seconds=time.time() - self.epoch)).timestamp()
        self.procs: list[ServerProcess] = []

    def start(self, name: str, ahead: dt.timedelta = dt.timedelta(0), fault: str | None = None,
              tick: float = 0.3) -> ServerProcess:
        env = {"MLHUB_TEST_FAULT": fault} if fault else {}
        proc = ServerProcess(self.slack, self.github, self.tmp / name, "--workers", "1", "--db", self.db,
                             "--tick", str(tick), "--epoch", str(self.epoch - ahead.total_seconds()),
                             "--webhook-secret", HOOK_SECRET, env=env)
        self.procs.append(proc)
        return proc.wait()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.proc.poll() is None:
                proc.stop()
            else:
                proc.sock.close()
        self.slack.stop()
        self.github.stop()


def wait_until(check, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def at_fault_point(proc: ServerProcess, point: str) -> bool:
    return f"mlhub test fault: {point}" in Path(proc.log.name).read_text()


def keyed_messages(slack, key: str) -> list[dict]:
    """Every message in any conversation that carries a claim's key."""
    return [m for ch in slack.ws.channels.values() for m in ch.messages.values()
            if (m.get("metadata") or {}).get("event_type") == EVENT_TYPE
            and m["metadata"]["event_payload"].get("mlhub_key") == key]


def rows(db: str, table) -> list[dict]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(table)).mappings()]
    finally:
        engine.dispose()


def slack_answers(slack) -> dict:
    """Every call Slack answered, by method and answer (ok or the error)."""
    counts: dict[str, int] = {}
    for call in slack.calls:
        name = f"{call.method} {'ok' if call.ok else call.error}"
        counts[name] = counts.get(name, 0) + 1
    return counts


def assert_refusals_are_history_before_joining(slack) -> None:
    """What Slack refused: only the history of a public channel the bot posts in without being a
    member, each followed by a join that Slack accepted."""
    refused = slack.refusals()
    assert set(refused) <= {("conversations.history", "not_in_channel")}, refused
    assert len(slack.delivered("conversations.join")) == len(refused) == len(slack.sent("conversations.join"))


@pytest.mark.parametrize("point", ["before-post", "after-post"])
def test_a_job_whose_poster_was_killed_is_posted_once_after_the_lease(tmp_path, postgres_url, point):
    due = first_job_due()
    r = Replicas(tmp_path, postgres_url, due + dt.timedelta(seconds=1))
    try:
        a = r.start("a", fault=f"{point}:{HOLD}")
        wait_until(lambda: at_fault_point(a, point), what=f"the first process at {point}")
        held = next(j for j in rows(postgres_url, jobs) if j["state"] == "firing")
        key = f"job:{held['key']}"
        a.kill()  # kill -9, holding the claim
        first = keyed_messages(r.slack, key)
        assert len(first) == (1 if point == "after-post" else 0)
        assert rows(postgres_url, jobs) and next(j for j in rows(postgres_url, jobs)
                                                 if j["key"] == held["key"])["state"] == "firing"

        r.start("b", ahead=JOB_LEASE + dt.timedelta(minutes=1))  # its clock: after the lease
        wait_until(lambda: next(j for j in rows(postgres_url, jobs) if j["key"] == held["key"])["state"] == "done",
                   what="the takeover")
        r.slack.quiet(1.0)
        done = [j for j in rows(postgres_url, jobs) if j["state"] == "done"]
        per_job = {j["key"]: len(keyed_messages(r.slack, f"job:{j['key']}")) for j in done}
        print(f"\nkilled {point}: jobs done {len(done)}, messages per job {sorted(set(per_job.values()))}, "
              f"Slack answered {slack_answers(r.slack)}")
        assert per_job and set(per_job.values()) == {1}, per_job
        posts = r.slack.sent("chat.postMessage")
        assert len(posts) == len(r.slack.delivered("chat.postMessage")) == len(done)  # each answered ok, none twice
        message = keyed_messages(r.slack, key)[0]
        if point == "after-post":
            assert message["ts"] == first[0]["ts"]  # the dead process's message, found, not posted again
        taken = next(j for j in done if j["key"] == held["key"])
        assert taken["posted_ts"] == message["ts"]
        history = r.slack.delivered("conversations.history")
        assert history and all(h["include_all_metadata"] in ("1", "true") for h in history)
        assert_refusals_are_history_before_joining(r.slack)
    finally:
        r.stop()
        drop_everything(postgres_url)


def deliver(url: str, delivery: str, body: str, timeout: float = 30.0) -> tuple[int, str]:
    stamp = str(int(time.time()))
    req = urllib.request.Request(url + registry.PATH, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery, "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": registry.signature(HOOK_SECRET, delivery, stamp, body)})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize("point", ["before-post", "after-post"])
def test_a_registry_delivery_whose_poster_was_killed_is_posted_once_by_the_retry(tmp_path, postgres_url, point):
    r = Replicas(tmp_path, postgres_url, START)
    body = json.dumps({"entity": "model_version", "action": "created",
                       "data": {"name": "credit-default", "version": "7", "run_id": "abc"}})
    key = "registry:dlv-7"
    try:
        a = r.start("a", fault=f"{point}:{HOLD}", tick=0)
        answers: list = []
        first = threading.Thread(target=lambda: answers.append(_answer(a.url, "dlv-7", body)), daemon=True)
        first.start()
        wait_until(lambda: at_fault_point(a, point), what=f"the first process at {point}")
        a.kill()  # kill -9 while it holds the claim; MLflow's request gets no answer
        first.join(30)
        assert answers and answers[0][0] == "no answer", answers
        assert len(keyed_messages(r.slack, key)) == (1 if point == "after-post" else 0)
        [held] = rows(postgres_url, registry_events)
        assert not held["notified"] and held["owner"]

        b = r.start("b", tick=0)  # within the lease: MLflow's retry is told to come back
        assert deliver(b.url, "dlv-7", body) == (503, "stored; another delivery of it is being posted, retry")
        b.stop()
        c = r.start("c", ahead=registry.LEASE + dt.timedelta(seconds=30), tick=0)  # after the lease
        retry = deliver(c.url, "dlv-7", body)
        again = deliver(c.url, "dlv-7", body)
        r.slack.quiet(0.5)
        found = keyed_messages(r.slack, key)
        print(f"\nregistry delivery killed {point}: MLflow's retries answered {[retry, again]}, messages {len(found)}, "
              f"Slack answered {slack_answers(r.slack)}")
        assert retry == (200, "ok") and again == (200, "duplicate delivery: already handled")
        assert len(found) == 1
        assert len(r.slack.sent("chat.postMessage")) == len(r.slack.delivered("chat.postMessage")) == 1
        [row] = rows(postgres_url, registry_events)
        assert row["notified"] and row["posted_ts"] == found[0]["ts"] and row["owner"] is None
        assert "credit-default" in found[0]["text"]
        assert_refusals_are_history_before_joining(r.slack)
        assert r.slack.delivered("conversations.history")  # the takeover looked before posting
    finally:
        r.stop()
        drop_everything(postgres_url)


def _answer(url: str, delivery: str, body: str) -> tuple:
    try:
        return deliver(url, delivery, body, timeout=60)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return ("no answer", type(exc).__name__)
