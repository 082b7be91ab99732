"""The ML Community Sessions from Slack: propose, slot, confirm, recording, demo entry as a PR."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from bot.ceremonies import sessions
from mlhub.community.sessions import Proposal, assign
from mlhub.content import validate
from mlhub.verify.record import FailingCell, Record

from .bot_fixtures import SECRET, wait_until
from .conftest import REPO
from .fakes import slack_requests as req

HANNAH, SOFIA, KENJI = "U04HOKAFOR1", "U04SMARTINS", "U04KTANAKA1"
NOTEBOOK = "2026-04-30-registry-aliases-champion-challenger.ipynb"


def answer(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def propose(bot, user, view_id, **fields):
    values = {"title": "Feature store in ten minutes", "team": "ML Platform", "tools": "Feast, MLflow"} | fields
    resp = bot.send(req.view_submission(SECRET, user, "demo_propose", values, view_id=view_id))
    assert resp.status == 200
    return resp


def the(bot, title):
    return next(p for p in sessions._load(bot.deps) if p.title == title)


def test_propose_confirm_record_and_the_entry_arrives_as_a_pull_request(bot, tmp_path):
    assert bot.send(req.command(SECRET, HANNAH, "propose", command="/demo")).status == 200
    assert bot.slack.wait_for("views.open")
    propose(bot, HANNAH, "VD1", links="https://git.corp.example/platform/feast-demo")
    p = the(bot, "Feature store in ten minutes")
    assert p.state == "scheduled" and p.session == "2026-11-26"  # the last Thursday of November
    wait_until(lambda: any("is scheduled on 2026-11-26" in m.get("text", "")
                           for m in bot.slack.delivered("chat.postMessage")))

    assert "only a presenter" in answer(bot.send(req.command(SECRET, KENJI, f"confirm {p.id[:8]}", command="/demo")))
    assert "Confirmed" in answer(bot.send(req.command(SECRET, HANNAH, f"confirm {p.id[:8]}", command="/demo")))
    # the day before the session, its reminder lists the confirmed demos
    from bot.scheduler import Scheduler

    sched = Scheduler(bot.deps, bot.app.client)
    sched.tick(dt.datetime(2026, 11, 25, 15, 5, tzinfo=dt.UTC))
    reminder = [m["text"] for m in bot.slack.delivered("chat.postMessage") if m["channel"] == "#ml-community"]
    assert len(reminder) == 1 and "• Feature store in ten minutes (ML Platform; hannah-okafor)" in reminder[0]
    url = "https://stream.corp.example/v/feature-store"
    assert "pull request" in answer(bot.send(req.command(SECRET, HANNAH, f"recording {p.id[:8]} {url}",
                                                         command="/demo")))
    wait_until(lambda: bot.github.pulls and bot.github.pulls[0].labels)  # labels come after the PR
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
    propose(bot, SOFIA, "VD2", title="Champion and challenger, live", notebook=NOTEBOOK)
    p = the(bot, "Champion and challenger, live")
    folder = bot.deps.config.hub.state_dir / "verify"
    stem = NOTEBOOK.removesuffix(".ipynb")
    Record(stem, "failed", "2026-11-22T08:00:00+00:00", 3.0,
           failing_cell=FailingCell(3, "MlflowException", "alias not found", "scores = {}")).save(folder)
    refused = answer(bot.send(req.command(SECRET, SOFIA, f"confirm {p.id[:8]}", command="/demo")))
    assert refused.startswith("not confirmed: its notebook") and "cell 3 failed with MlflowException" in refused
    assert the(bot, "Champion and challenger, live").state == "scheduled"
    Record(stem, "passed", "2026-11-23T08:00:00+00:00", 9.0).save(folder)
    assert "Confirmed" in answer(bot.send(req.command(SECRET, SOFIA, f"confirm {p.id[:8]}", command="/demo")))


def test_bad_proposals_name_the_field(bot):
    body = json.loads(propose(bot, HANNAH, "VD3", title="", team="", tools="", minutes="25",
                              presenters="nobody", notebook="missing.ipynb", links="ftp://x").body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "team", "tools", "minutes", "presenters", "notebook", "links"}
    assert sessions._load(bot.deps) == []
    assert answer(bot.send(req.command(SECRET, HANNAH, "confirm", command="/demo"))) == "usage: /demo confirm ID"


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
    withdrawn = [p if p.id != "a" else Proposal(**{**p.__dict__, "state": "withdrawn", "session": None}) for p in out]
    again = assign(withdrawn, [s1], 2)
    assert {p.id: p.state for p in again} == {"a": "withdrawn", "b": "scheduled", "c": "scheduled"}
