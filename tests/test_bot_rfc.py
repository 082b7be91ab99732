"""The RFC final comment period from Slack, end to end through the real Bolt app."""

from __future__ import annotations

import json
import shutil

from mlhub.content import validate
from mlhub.content.files import split_front_matter

from .bot_fixtures import SECRET, wait_until
from .conftest import REPO
from .fakes import slack_requests as req
from .fakes.slack import _json

LEA, HANNAH, SOFIA, MARCUS, AMELIE = "U04LFISCHER", "U04HOKAFOR1", "U04SMARTINS", "U04MLEE0001", "U04AMDURAND"
PATH = "rfcs/0003-adopt-feast-as-the-feature-store.md"


def ephemeral(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def front(bot) -> dict:
    return split_front_matter(bot.github.files["rfc/0003"][PATH])[0]


def file_rfc(bot):
    resp = bot.send(req.command(SECRET, LEA, "new"))
    assert resp.status == 200
    view = bot.slack.wait_for("views.open")[0]
    assert _json(view["view"])["callback_id"] == "rfc_new"
    resp = bot.send(req.view_submission(SECRET, LEA, "rfc_new", {
        "title": "Adopt Feast as the feature store", "sig": ("select", "sig-pipelines"),
        "type": ("select", "decision"), "options": "feast\nbuild-our-own", "summary": "Use Feast."}, view_id="VNEW"))
    assert resp.status == 200 and resp.body in ("", None)
    wait_until(lambda: any("is filed" in m.get("text", "") for m in bot.slack.sent("chat.postMessage")))


def test_a_full_final_comment_period(bot):
    file_rfc(bot)
    assert [p.head for p in bot.github.pulls] == ["rfc/0003"]
    assert front(bot)["status"] == "draft"

    assert "moves to review" in ephemeral(bot.send(req.command(SECRET, LEA, "ready 3 hannah-okafor")))
    wait_until(lambda: front(bot)["status"] == "review")

    answer = ephemeral(bot.send(req.command(SECRET, HANNAH, 'fcp 3 accept feast "Adopt Feast for features."')))
    assert "proposed" in answer
    posted = bot.slack.wait_for("chat.postMessage", 3)
    live = [m for m in posted if m.get("channel") == "#sig-pipelines"]
    assert live and "Waiting for quorum: 1 of 2" in live[0]["text"]

    bot.send(req.action(SECRET, SOFIA, "rfc_approve", "3"))
    wait_until(lambda: front(bot)["status"] == "fcp")
    assert "Quorum reached" in bot.slack.wait_for("chat.update", 1)[-1]["text"]

    assert "clock pauses" in ephemeral(bot.send(req.command(SECRET, SOFIA, "concern 3 storage-cost")))
    wait_until(lambda: any("Paused" in u["text"] for u in bot.slack.sent("chat.update")))
    bot.clock.advance(days=1)
    assert "resolved" in ephemeral(bot.send(req.command(SECRET, SOFIA, "resolve 3 storage-cost")))
    wait_until(lambda: "Quorum reached" in bot.slack.sent("chat.update")[-1]["text"])

    from bot.ceremonies import rfc as ceremony

    bot.clock.advance(days=5)
    assert ceremony.tick(bot.deps, bot.app.client) == []  # paused a day: the clock is not over yet
    bot.clock.advance(days=2)
    assert ceremony.tick(bot.deps, bot.app.client) == [3]
    data = front(bot)
    assert data["status"] == "accepted"
    decision = data["decision"]
    assert decision["disposition"] == "accept" and decision["chosen_option"] == "feast"
    assert decision["signoffs"] == ["hannah-okafor", "sofia-martins"]
    assert decision["concerns"][0]["name"] == "storage-cost" and decision["concerns"][0]["resolved"]
    assert decision["summary"] == "Adopt Feast for features."
    announce = [m for m in bot.slack.sent("chat.postMessage") if "is *accepted*" in m.get("text", "")]
    assert len(announce) == 1 and announce[0]["channel"] == "#sig-pipelines"
    assert "Decided" in bot.slack.sent("chat.update")[-1]["text"]
    assert ceremony.tick(bot.deps, bot.app.client) == []  # nothing twice


def test_the_decided_rfc_passes_the_lint(bot, tmp_path):
    test_a_full_final_comment_period(bot)
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", ".cache"))
    (copy / PATH).write_text(bot.github.files["rfc/0003"][PATH])
    _, problems = validate(copy, bot.clock())
    assert [str(p) for p in problems] == []


def test_an_approver_of_another_sig_cannot_sign_off(bot):
    file_rfc(bot)
    ephemeral(bot.send(req.command(SECRET, LEA, "ready 3 hannah-okafor")))
    ephemeral(bot.send(req.command(SECRET, HANNAH, "fcp 3 accept feast")))
    answer = ephemeral(bot.send(req.command(SECRET, MARCUS, "approve 3")))
    assert answer.startswith("only RFC approvers of sig-pipelines can sign off")
    stored = bot.deps.store.fcp(3)[0]
    assert stored["signoffs"] == ["hannah-okafor"]


def test_an_author_cannot_approve_their_own_rfc(bot):
    file_rfc(bot)
    ephemeral(bot.send(req.command(SECRET, LEA, "ready 3 hannah-okafor")))
    ephemeral(bot.send(req.command(SECRET, HANNAH, "fcp 3 accept feast")))
    assert ephemeral(bot.send(req.command(SECRET, LEA, "approve 3"))) == "authors do not approve their own RFC"
    assert bot.deps.store.fcp(3)[0]["signoffs"] == ["hannah-okafor"]


def test_only_an_approver_proposes_and_only_from_review(bot):
    file_rfc(bot)
    assert "starts from review" in ephemeral(bot.send(req.command(SECRET, HANNAH, "fcp 3 accept feast")))
    ephemeral(bot.send(req.command(SECRET, LEA, "ready 3 hannah-okafor")))
    wait_until(lambda: front(bot)["status"] == "review")
    assert "only an RFC approver" in ephemeral(bot.send(req.command(SECRET, AMELIE, "fcp 3 accept feast")))
    assert bot.deps.store.fcp(3) is None


def test_usage_lines_and_unknown_people(bot):
    assert ephemeral(bot.send(req.command(SECRET, HANNAH, "approve"))) == "usage: /rfc approve NUMBER"
    assert ephemeral(bot.send(req.command(SECRET, HANNAH, "approve three"))) == "usage: /rfc approve NUMBER"
    assert "I don't know `/rfc frobnicate`" in ephemeral(bot.send(req.command(SECRET, HANNAH, "frobnicate")))
    assert "community/people.yaml" in ephemeral(bot.send(req.command(SECRET, "UNOBODY", "approve 1")))
    assert "*RFCs from Slack*" in ephemeral(bot.send(req.command(SECRET, HANNAH, "")))
    listing = ephemeral(bot.send(req.command(SECRET, HANNAH, "list accepted")))
    assert "`0001` accepted" in listing and "`0002` accepted" in listing


def test_invalid_modal_submission_shows_errors_and_stores_nothing(bot):
    resp = bot.send(req.view_submission(SECRET, LEA, "rfc_new", {
        "title": "", "sig": ("select", "sig-nope"), "type": ("select", "decision"), "options": "Bad Option"}))
    body = json.loads(resp.body)
    assert body["response_action"] == "errors" and set(body["errors"]) >= {"title", "sig", "options"}
    assert bot.deps.outbox.entries() == []

