"""Nothing acknowledged is lost, nothing is done twice: the bot started as its docs say (the
production server, several workers), driven over signed HTTP by a pool of clients that retry
what was not answered 200, with a `kill -9` in the middle of a burst, two replicas on one
PostgreSQL receiving every request twice (a redelivery to each), concurrent approvals and
proposals, and two tickers over a simulated month with FCP deadlines. Each test prints its counts.

Before issue 12 (same harness, commit 21ae369): see docs/performance.md, "Once and never lost"."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections import Counter

import pytest

from bot.scheduler import Scheduler
from bot.store import Store
from mlhub.content import load
from mlhub.content.models import Disposition
from mlhub.rfc import edit
from mlhub.rfc import fcp as rules

from . import burst as b
from .bot_fixtures import doubles, make_bot
from .bot_server import ServerProcess
from .conftest import REPO
from .test_bot_store import drop_everything


def retry_unanswered(urls: list[str], reqs: list[b.Request], rounds: int = 3) -> None:
    """What a client does: send again, the same body, whatever was not answered 200."""
    for _ in range(rounds):
        todo = [r for r in reqs if not r.acknowledged]
        if not todo:
            return
        b.fire(urls, todo)


def report(name: str, counts: dict) -> None:
    print(f"\n{name}: {counts}")


def test_a_burst_with_a_kill_9_in_the_middle_loses_and_repeats_nothing(tmp_path):
    slack, github = doubles()
    state = tmp_path / "state"
    url = f"sqlite:///{state / 'bot.sqlite'}"
    state.mkdir()
    b.seed_rfcs(url, github, [100, *range(101, 111)], with_fcp=True)
    server = ServerProcess(slack, github, state, "--workers", "2").wait()
    restarted: list[ServerProcess] = []
    try:
        reqs = b.burst(slack, 100, list(range(101, 111)), b.open_forms(slack, server.url, 30))
        half = threading.Event()

        def killer() -> None:
            half.wait(120)
            server.kill()  # master and workers, mid-burst
            restarted.append(ServerProcess(slack, github, state, "--workers", "2", sock=server.sock).wait())

        thread = threading.Thread(target=killer)
        thread.start()
        b.fire([server.url], reqs, on_done=lambda n: n == 100 and half.set())
        thread.join(120)
        first = sum(r.acknowledged for r in reqs)
        retry_unanswered([server.url], reqs)
        counts = b.tally(reqs, b.effects(url, reqs))
        report("kill -9 burst (SQLite)", counts | {"answered 200 before the retries": first})
        assert restarted, "the server was not restarted"
        assert counts["acknowledged"] == 300
        assert counts["lost"] == 0 and counts["duplicated"] == 0
        assert counts["effects"] == {1: 300}
    finally:
        for srv in restarted:
            srv.stop()
        server.sock.close()
        slack.stop()
        github.stop()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres_url):
    """Two server processes (two workers each) on one PostgreSQL."""
    drop_everything(postgres_url)
    slack, github = doubles()
    root = tmp_path_factory.mktemp("replicas")
    Store(postgres_url).engine.dispose()
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(ServerProcess(slack, github, root / name, "--db", postgres_url))
        for srv in servers:
            srv.wait()
        yield servers, slack, github, postgres_url
    finally:
        for srv in servers:
            srv.stop()
        slack.stop()
        github.stop()
        drop_everything(postgres_url)


def test_a_burst_redelivered_to_two_replicas_is_done_once_with_one_answer(replicas):
    (a, bb), slack, github, url = replicas
    b.seed_rfcs(url, github, [100, *range(101, 111)], with_fcp=True)
    reqs = b.burst(slack, 100, list(range(101, 111)), b.open_forms(slack, a.url, 30))
    b.fire([a.url, bb.url], reqs)  # every request to both replicas at once
    retry_unanswered([a.url], reqs)
    counts = b.tally(reqs, b.effects(url, reqs))
    differing = sum(len({text for status, text in r.answers if status == 200}) > 1 for r in reqs)
    report("two replicas, every request delivered twice (PostgreSQL)", counts | {"answers differing": differing})
    assert counts["acknowledged"] == 300 and counts["lost"] == 0 and counts["duplicated"] == 0
    assert counts["effects"] == {1: 300}
    assert differing == 0  # the redelivery got the first answer


def _at_once(*calls) -> list:
    out: list = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i, fn):
        gate.wait(10)
        out[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


def test_concurrent_approvals_and_proposals_across_two_replicas(replicas):
    (a, bb), slack, github, url = replicas
    approve, propose = list(range(200, 220)), list(range(300, 320))
    b.seed_rfcs(url, github, approve, with_fcp=True)
    b.seed_rfcs(url, github, propose, with_fcp=False)
    store = Store(url, migrate=False)
    try:
        lost, both_proposed, wrong_proposer, refused, failed = 0, 0, 0, 0, 0
        for n in approve:
            reqs = [b.Request(b.rq.command(slack, b.HANNAH, "/rfc", f"approve {n}"), "approve", "hannah-okafor", n),
                    b.Request(b.rq.command(slack, b.SOFIA, "/rfc", f"approve {n}"), "approve", "sofia-martins", n)]
            answers = _at_once(lambda r=reqs[0]: b.send(a.url, r), lambda r=reqs[1]: b.send(bb.url, r))
            failed += sum(s != 200 or not t.startswith(f"Signed off RFC {n:04d}.") for s, t in answers)
            row = store.fcp(n)
            lost += 2 - len(row.fcp.signoffs)
        for n in propose:
            reqs = [b.rq.command(slack, b.HANNAH, "/rfc", f"fcp {n} accept a"),
                    b.rq.command(slack, b.SOFIA, "/rfc", f"fcp {n} accept a")]
            answers = _at_once(lambda d=reqs[0]: b.send(a.url, b.Request(d, "propose", "")),
                               lambda d=reqs[1]: b.send(bb.url, b.Request(d, "propose", "")))
            failed += sum(s != 200 for s, _ in answers)
            said = [t.startswith("Final comment period proposed") for _, t in answers]
            both_proposed += all(said)
            refused += sum("already has a final comment period" in t for _, t in answers)
            proposer = store.fcp(n).fcp.proposed_by
            wrong_proposer += said != [proposer == "hannah-okafor", proposer == "sofia-martins"]
        report("concurrent approvals and proposals", {"approval trials": len(approve), "sign-offs lost": lost,
                                                      "proposal trials": len(propose),
                                                      "both answered proposed": both_proposed,
                                                      "refused as already proposed": refused,
                                                      "stored proposer not the one answered": wrong_proposer,
                                                      "answers not 200 or not as expected": failed})
        assert failed == 0 and lost == 0 and both_proposed == 0 and wrong_proposer == 0
        assert refused == len(propose)
    finally:
        store.engine.dispose()


TICK_START = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
TICK_END = TICK_START + dt.timedelta(days=30)


def test_two_tickers_over_30_days_announce_each_fcp_end_once(tmp_path, postgres_url):
    drop_everything(postgres_url)
    bot = make_bot(tmp_path, store_url=postgres_url)
    bot.allow("chat.postMessage", "ratelimited")
    bot.allow("chat.update", "ratelimited")
    numbers = list(range(400, 410))
    b.seed_rfcs(postgres_url, bot.github, numbers, with_fcp=False)
    hub = load(REPO)
    for i, n in enumerate(numbers):  # quorum met on day 2i: the clock ends 5 business days later
        at = TICK_START + dt.timedelta(days=2 * i, hours=9)
        rfc = edit.parse(b.rfc_text(n), f"rfcs/{n:04d}-burst-rfc-{n}.md")
        fcp = rules.propose(hub, rfc, "lea-fischer", Disposition.accept, at, "a", "Burst.")
        for who in ("hannah-okafor", "sofia-martins"):
            fcp = rules.signoff(hub, fcp, who, at)
        assert fcp.state is rules.FcpState.running and fcp.deadline < TICK_END - dt.timedelta(days=3)
        bot.deps.store.save_fcp(fcp, decided_on=None, announced=False)
    other = dataclasses.replace(bot.deps, store=Store(postgres_url, clock=bot.clock))
    try:
        tickers = [Scheduler(bot.deps, bot.app.client), Scheduler(other, bot.app.client)]
        now = TICK_START
        while now < TICK_END:  # both tick at the same moments, as with one wall clock
            _at_once(*(lambda s=s, at=now: s.tick(at) for s in tickers))
            now += dt.timedelta(minutes=30)
        bot.slack.quiet(0.5)
        posts = [m["text"] for m in bot.slack.delivered("chat.postMessage")]
        ends = Counter(int(m.group(1)) for t in posts if (m := re.match(r"RFC (\d{4}) \(.*\) is \*accepted\*", t)))
        timed = Counter(t for t in posts if not t.startswith("RFC "))
        report("two tickers, 30 days", {"FCP ends": len(numbers), "announcements": dict(ends),
                                        "timed posts": sum(timed.values()),
                                        "timed posts twice": sum(c > 1 for c in timed.values())})
        assert ends == {n: 1 for n in numbers}
        assert all(c == 1 for c in timed.values())
        assert all(bot.deps.store.fcp(n).fcp.state is rules.FcpState.decided for n in numbers)
    finally:
        other.store.engine.dispose()
        bot.deps.store.engine.dispose()
        bot.slack.stop()
        bot.github.stop()
        drop_everything(postgres_url)
