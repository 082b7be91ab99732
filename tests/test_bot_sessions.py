"""The ML Community Sessions from Slack: propose, slot, confirm, recording, demo entry as a PR."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil

import pytest

from bot.ceremonies import sessions
from bot.ceremonies.sessions import commands as c
from mlhub.community.sessions import NotNow, Proposal, ProposalState, assign, confirm, give, withdraw
from mlhub.content import validate
from mlhub.verify.record import FailingCell, Record

from .bot_fixtures import wait_until
from .conftest import REPO
from .fakes import slack_requests as rq

HANNAH, SOFIA, KENJI = "U04HOKAFOR1", "U04SMARTINS", "U04KTANAKA1"
NOTEBOOK = "2026-04-30-registry-aliases-champion-challenger.ipynb"


def answer(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def responded(bot) -> list[str]:
    return [r.args["text"] for r in bot.slack.responses if r.ok]


def propose(bot, user, **fields):
    """/demo propose, then the form the bot opened, filled in and submitted."""
    opened = len(bot.slack.delivered("views.open"))
    assert bot.command(user, "/demo", "propose").status == 200
    bot.slack.wait_for("views.open", opened + 1, ok=True)
    view = list(bot.slack.views)[-1]
    values = {"title": "Feature store in ten minutes", "team": "ML Platform", "tools": "Feast, MLflow"} | fields
    resp = bot.send(rq.submit(bot.slack, user, view, values))
    assert resp.status == 200
    return resp


def the(bot, title):
    return next(p for p in sessions.load(bot.deps) if p.title == title)


def test_propose_confirm_record_and_the_entry_arrives_as_a_pull_request(bot, tmp_path):
    propose(bot, HANNAH, links="https://git.corp.example/platform/feast-demo")
    p = the(bot, "Feature store in ten minutes")
    assert p.state is ProposalState.scheduled and p.session == "2026-11-26"  # the last Thursday of November
    wait_until(lambda: any("is scheduled on 2026-11-26" in m.get("text", "")
                           for m in bot.slack.delivered("chat.postMessage")))

    assert "only a presenter" in answer(bot.command(KENJI, "/demo", f"confirm {p.id[:8]}"))
    assert "Confirmed" in answer(bot.command(HANNAH, "/demo", f"confirm {p.id[:8]}"))
    # the day before the session, its reminder lists the confirmed demos
    from bot.scheduler import Scheduler

    sched = Scheduler(bot.deps, bot.app.client)
    sched.tick(dt.datetime(2026, 11, 25, 15, 5, tzinfo=dt.UTC))
    reminder = [m["text"] for m in bot.slack.messages("ml-community")]
    assert len(reminder) == 1 and "• Feature store in ten minutes (ML Platform; hannah-okafor)" in reminder[0]
    url = "https://stream.corp.example/v/feature-store"
    assert "pull request" in answer(bot.command(HANNAH, "/demo", f"recording {p.id[:8]} {url}"))
    wait_until(lambda: bot.github.pulls and bot.github.pulls[0].labels)  # labels come after the PR
    wait_until(lambda: any("The demo entry for Feature store" in t for t in responded(bot)))
    (pull,) = bot.github.pulls
    path = "demos/2026-11-26-feature-store-in-ten-minutes.md"
    text = bot.github.files[pull.head][path]
    assert f"recording: {url}" in text and pull.labels == ["demo"]
    assert "url: https://git.corp.example/platform/feast-demo" in text
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", ".cache"))
    (copy / path).write_text(text)
    hub, problems = validate(copy, bot.clock())
    assert problems == [] and len(hub.demos) == 7


def test_a_demo_whose_notebook_fails_verification_cannot_be_confirmed(bot):
    propose(bot, SOFIA, title="Champion and challenger, live", notebook=NOTEBOOK)
    p = the(bot, "Champion and challenger, live")
    folder = bot.deps.config.hub.state_dir / "verify"
    stem = NOTEBOOK.removesuffix(".ipynb")
    Record(stem, "failed", "2026-11-22T08:00:00+00:00", 3.0,
           failing_cell=FailingCell(3, "MlflowException", "alias not found", "scores = {}")).save(folder)
    refused = answer(bot.command(SOFIA, "/demo", f"confirm {p.id[:8]}"))
    assert refused.startswith("not confirmed: its notebook") and "cell 3 failed with MlflowException" in refused
    assert the(bot, "Champion and challenger, live").state is ProposalState.scheduled
    Record(stem, "passed", "2026-11-23T08:00:00+00:00", 9.0).save(folder)
    assert "Confirmed" in answer(bot.command(SOFIA, "/demo", f"confirm {p.id[:8]}"))


def test_bad_proposals_name_the_field(bot):
    body = json.loads(propose(bot, HANNAH, title="   ", team=" ", tools=",", minutes="25", presenters="nobody",
                              notebook="missing.ipynb", links="ftp://x").body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "team", "tools", "minutes", "presenters", "notebook", "links"}
    assert sessions.load(bot.deps) == []
    assert answer(bot.command(HANNAH, "/demo", "confirm")) == "usage: /demo confirm ID"
    assert c.parse("recording ABC https://x.example/v") == c.Recording("abc", "https://x.example/v")
    assert c.parse("") == c.Help() and c.parse("withdraw 12ab") == c.Withdraw("12ab")
    for bad in ("recording abc http://insecure", "confirm", "confirm a b", "propose now"):
        said = answer(bot.command(HANNAH, "/demo", bad))
        assert said.startswith(("usage", "`/demo propose` takes nothing after it; remove `now`")), said


@pytest.mark.parametrize("path", ["../pyproject.toml", "../demos/x.ipynb", "/etc/passwd.ipynb", "Up.ipynb",
                                  "sub/dir.ipynb"])
def test_a_notebook_outside_demos_is_refused_naming_the_field(bot, path):
    body = json.loads(propose(bot, HANNAH, notebook=path).body)
    assert body == {"response_action": "errors", "errors": {"notebook": (
        "the notebook is a file name in demos/, such as feast-demo.ipynb: lower-case letters, digits and dashes, "
        "ending in .ipynb")}}
    assert sessions.load(bot.deps) == []


def test_withdrawing_gives_the_slot_to_the_first_in_the_queue(bot):
    sessions.save(bot.deps, [Proposal(f"seed-{i}", f"Seed {i}", f"Team {i}", ("diego-alvarez",), ("KFP",), 10,
                                      created=f"2026-11-0{i}") for i in range(9)])
    sessions.schedule(bot.deps)  # the next three sessions are full
    propose(bot, HANNAH, title="Waiting demo")
    assert the(bot, "Waiting demo").state is ProposalState.queued
    wait_until(lambda: any("in the queue" in m["text"] for m in bot.slack.delivered("chat.postMessage")))
    assert "Withdrawn" in answer(bot.command("U04DALVAREZ", "/demo", "withdraw seed-0"))
    wait_until(lambda: the(bot, "Waiting demo").session == "2026-11-26")
    wait_until(lambda: any("A slot opened: *Waiting demo*" in m["text"]
                           for m in bot.slack.delivered("chat.postMessage")))
    bot.slack.quiet(0.3)
    assert bot.slack.failed() == []


def test_a_demo_is_withdrawn_once_and_a_given_demo_never(bot):
    sessions.save(bot.deps, [Proposal("gone-1", "Gone", "T", ("hannah-okafor",), ("KFP",), 10),
                             Proposal("done-1", "Given", "T", ("hannah-okafor",), ("KFP",), 10,
                                      state=ProposalState.given, session="2026-11-12")])
    assert answer(bot.command(HANNAH, "/demo", "withdraw gone-1")).startswith("Withdrawn: *Gone*")
    assert answer(bot.command(HANNAH, "/demo", "withdraw gone-1")) == (
        "this demo is withdrawn already; only a queued, scheduled or confirmed demo is withdrawn")
    assert answer(bot.command(HANNAH, "/demo", "withdraw done-1")) == (
        "this demo is given already; only a queued, scheduled or confirmed demo is withdrawn")
    assert the(bot, "Given").state is ProposalState.given and the(bot, "Given").session == "2026-11-12"


def test_only_the_rules_move_a_proposal():
    queued = P("q", "T", "2026-11-01")
    for move in (confirm, give):
        with pytest.raises(NotNow, match="this demo is queued"):
            move(queued)
    assert give(confirm(assign([queued], [dt.date(2026, 11, 26)], 3)[0])).state is ProposalState.given
    assert withdraw(queued) == dataclasses.replace(queued, state=ProposalState.withdrawn)


def P(pid, team, created):
    return Proposal(pid, f"demo {pid}", team, ("x",), ("t",), 10, created=created)


def test_no_team_takes_every_slot_and_standbys_get_freed_slots():
    s1, s2 = dt.date(2026, 11, 26), dt.date(2027, 1, 28)
    out = assign([P("a", "Risk", "1"), P("b", "Risk", "2"), P("c", "Risk", "3"), P("d", "Growth", "4")], [s1, s2], 3)
    by = {p.id: p.session for p in out}
    assert by == {"a": "2026-11-26", "b": "2026-11-26", "c": "2027-01-28", "d": "2026-11-26"}
    # one session of two slots, three proposals: the third is a standby until a slot frees up
    out = assign([P("a", "Risk", "1"), P("b", "Growth", "2"), P("c", "Search", "3")], [s1], 2)
    assert [p.state for p in out] == ["scheduled", "scheduled", "queued"]
    withdrawn = [p if p.id != "a" else Proposal(**{**p.__dict__, "state": ProposalState.withdrawn, "session": None})
                 for p in out]
    again = assign(withdrawn, [s1], 2)
    assert {p.id: p.state for p in again} == {"a": "withdrawn", "b": "scheduled", "c": "scheduled"}
