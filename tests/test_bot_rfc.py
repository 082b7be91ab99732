"""The RFC final comment period from Slack, end to end through the real Bolt app on the faithful
Slack double: every Web API call the bot makes is answered ok, and every answer is checked."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor

from bot.ceremonies.rfc import commands as c
from bot.refusal import Refusal
from mlhub.content import validate
from mlhub.content.files import split_front_matter
from mlhub.content.models import Disposition
from mlhub.rfc.fcp import FcpState

from .bot_fixtures import wait_until
from .conftest import REPO
from .fakes import slack_requests as rq

LEA, HANNAH, SOFIA, MARCUS, AMELIE = "U04LFISCHER", "U04HOKAFOR1", "U04SMARTINS", "U04MLEE0001", "U04AMDURAND"
PATH = "rfcs/0003-adopt-feast-as-the-feature-store.md"


def ephemeral(answer: rq.Answer) -> str:
    assert answer.status == 200, answer.body
    assert answer.data["response_type"] == "ephemeral"
    return answer.text


def front(bot) -> dict:
    return split_front_matter(bot.github.files["rfc/0003"][PATH])[0]


def responses(bot) -> list[str]:
    return [r.args["text"] for r in bot.slack.responses if r.ok]


def file_rfc(bot, **fields):
    answer = bot.command(LEA, "/rfc", "new")
    assert (answer.status, answer.body) == (200, "")  # the form opens after the ack
    bot.slack.wait_for("views.open", ok=True)
    view = next(v for v in bot.slack.views if bot.slack.views[v]["view"]["callback_id"] == "rfc_new")
    values = {"title": "Adopt Feast as the feature store", "sig": "sig-pipelines",
              "options": "feast\nbuild-our-own", "summary": "Use Feast."} | fields
    answer = bot.send(rq.submit(bot.slack, LEA, view, values))
    assert (answer.status, answer.body) == (200, "")
    wait_until(lambda: any("is filed" in m.get("text", "") for m in bot.slack.delivered("chat.postMessage")))


def live_message(bot) -> dict:
    """The one message that shows the FCP's state, where the store says it is."""
    row = bot.deps.store.fcp(3)
    assert row and row.channel == bot.slack.channel("sig-pipelines").id  # stored by id
    return bot.slack.channel(row.channel).messages[row.ts]


def test_a_full_final_comment_period(bot):
    file_rfc(bot)
    assert [p.head for p in bot.github.pulls] == ["rfc/0003"] and front(bot)["status"] == "draft"
    assert "moves to review" in ephemeral(bot.command(LEA, "/rfc", "ready 3 hannah-okafor"))
    wait_until(lambda: front(bot)["status"] == "review")

    assert "proposed" in ephemeral(bot.command(HANNAH, "/rfc", 'fcp 3 accept feast "Adopt Feast for features."'))
    wait_until(lambda: bot.deps.store.fcp(3).ts)
    message = live_message(bot)
    assert "Waiting for quorum: 1 of 2" in message["text"]
    # the bot found the channel's id once, by name, and posted by id
    assert bot.slack.delivered("conversations.list") and bot.deps.store.channel_id("sig-pipelines")

    pressed = bot.send(rq.click(bot.slack, SOFIA, "sig-pipelines", message["ts"], "rfc_approve", "3"))
    assert (pressed.status, pressed.body) == (200, "")
    wait_until(lambda: front(bot)["status"] == "fcp")
    wait_until(lambda: "Quorum reached" in live_message(bot)["text"])
    assert "Signed off RFC 0003. Quorum is met: the clock runs." in responses(bot)  # through the response URL
    assert bot.slack.sent("chat.postEphemeral") == []  # which needs the bot in the channel

    assert "clock pauses" in ephemeral(bot.command(SOFIA, "/rfc", "concern 3 storage-cost"))
    wait_until(lambda: "Paused" in live_message(bot)["text"])
    bot.clock.advance(days=1)
    assert "resolved" in ephemeral(bot.command(SOFIA, "/rfc", "resolve 3 storage-cost"))
    wait_until(lambda: "Quorum reached" in live_message(bot)["text"])

    from bot.ceremonies.rfc.live import tick

    bot.slack.quiet(0.3)
    bot.clock.advance(days=5)
    assert tick(bot.deps, bot.app.client, bot.clock()) == []  # paused a day: the clock is not over yet
    bot.clock.advance(days=2)
    assert tick(bot.deps, bot.app.client, bot.clock()) == [3]
    data = front(bot)
    assert data["status"] == "accepted"
    decision = data["decision"]
    assert decision["disposition"] == "accept" and decision["chosen_option"] == "feast"
    assert decision["signoffs"] == ["hannah-okafor", "sofia-martins"]
    assert decision["concerns"][0]["name"] == "storage-cost" and decision["concerns"][0]["resolved"]
    assert decision["summary"] == "Adopt Feast for features."
    assert decision["decided"] == "2026-12-01"  # 04:00 in New York: the SIG's local date, from the bot's clock
    channel = bot.slack.channel("sig-pipelines")
    announce = [m for m in channel.messages.values() if "is *accepted*" in m["text"]]
    assert len(announce) == 1
    assert "Decided: *accept*" in live_message(bot)["text"]
    assert "rfc_approve" not in json.dumps(live_message(bot)["blocks"])  # nothing left to approve
    assert tick(bot.deps, bot.app.client, bot.clock()) == []  # nothing twice
    bot.slack.quiet(0.3)
    assert bot.slack.failed() == []  # every call the bot made, Slack answered ok


def test_the_decided_rfc_passes_the_lint(bot, tmp_path):
    test_a_full_final_comment_period(bot)
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", ".cache"))
    (copy / PATH).write_text(bot.github.files["rfc/0003"][PATH])
    _, problems = validate(copy, bot.clock())
    assert [str(p) for p in problems] == []


def to_review(bot):
    file_rfc(bot)
    ephemeral(bot.command(LEA, "/rfc", "ready 3 hannah-okafor"))
    wait_until(lambda: front(bot)["status"] == "review")


def test_an_approver_of_another_sig_cannot_sign_off_even_with_the_button(bot):
    to_review(bot)
    ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 accept feast"))
    assert ephemeral(bot.command(MARCUS, "/rfc", "approve 3")).startswith("only RFC approvers of sig-pipelines")
    wait_until(lambda: bot.deps.store.fcp(3).ts)
    acked = bot.send(rq.click(bot.slack, MARCUS, "sig-pipelines", live_message(bot)["ts"], "rfc_approve", "3"))
    assert (acked.status, acked.body) == (200, ""), acked.body
    wait_until(lambda: any(t.startswith("only RFC approvers") for t in responses(bot)))
    assert bot.deps.store.fcp(3).fcp.signoffs == {"hannah-okafor"}


def test_an_author_cannot_approve_their_own_rfc(bot):
    to_review(bot)
    ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 accept feast"))
    assert ephemeral(bot.command(LEA, "/rfc", "approve 3")) == "authors do not approve their own RFC"
    assert bot.deps.store.fcp(3).fcp.signoffs == {"hannah-okafor"}


def test_only_an_approver_proposes_and_only_from_review(bot):
    file_rfc(bot)
    assert "starts from review" in ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 accept feast"))
    ephemeral(bot.command(LEA, "/rfc", "ready 3 hannah-okafor"))
    wait_until(lambda: front(bot)["status"] == "review")
    assert "only an RFC approver" in ephemeral(bot.command(AMELIE, "/rfc", "fcp 3 accept feast"))
    assert bot.deps.store.fcp(3) is None


def test_an_apostrophe_in_the_summary(bot):
    to_review(bot)
    answer = ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 reject we don't need our own store"))
    assert answer == "Final comment period proposed for RFC 0003 to reject."
    assert bot.deps.store.fcp(3).fcp.summary == "we don't need our own store"


def test_the_live_message_stays_within_slack_limits_however_long_the_concerns(bot):
    to_review(bot)
    ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 accept feast"))
    for i in range(40):  # long names, many of them: the concerns section would pass 3,000 characters
        ephemeral(bot.command(SOFIA, "/rfc", f"concern 3 {'x' * 50}-{i} non-blocking"))
    bot.slack.wait_for("chat.update")  # the updates coalesce (bot.coalesce): a few for the 40 concerns
    bot.slack.quiet(0.5, timeout=40)
    assert bot.slack.failed() == []
    section = live_message(bot)["blocks"][1]["text"]["text"]
    assert len(section) <= 3000 and section.endswith("…")
    refused = ephemeral(bot.command(HANNAH, "/rfc", "concern 3 " + "🎉" * 3000))
    assert refused.startswith("a concern's name is one word of at most 60")


def test_a_reused_or_expired_trigger_is_explained(bot):
    bot.allow("views.open", "exchanged_trigger_id")
    bot.allow("views.open", "expired_trigger_id")
    first = rq.command(bot.slack, LEA, "/rfc", "new")
    assert bot.send(first).status == 200
    bot.slack.wait_for("views.open", ok=True)
    again = rq.command(bot.slack, LEA, "/rfc", "new")
    again.payload["trigger_id"] = first.trigger_id
    assert bot.send(again).status == 200
    wait_until(lambda: len(responses(bot)) == 1)
    assert responses(bot) == ["The form did not open: this request already opened a form. Type `/rfc new` again."]
    late = rq.command(bot.slack, LEA, "/rfc", "new")
    bot.slack.age_trigger(late.trigger_id, 3.5)
    acked = bot.send(late)
    assert (acked.status, acked.body) == (200, ""), acked.body
    wait_until(lambda: len(responses(bot)) == 2)
    assert "the request expired" in responses(bot)[1]
    assert [c.error for c in bot.slack.calls if c.method == "views.open"] == [
        None, "exchanged_trigger_id", "expired_trigger_id"]


def test_usage_lines_and_unknown_people(bot):
    assert ephemeral(bot.command(HANNAH, "/rfc", "approve")) == "usage: /rfc approve NUMBER"
    assert ephemeral(bot.command(HANNAH, "/rfc", "approve three")) == "usage: /rfc approve NUMBER"
    assert "I don't know `/rfc frobnicate`" in ephemeral(bot.command(HANNAH, "/rfc", "frobnicate"))
    assert "community/people.yaml" in ephemeral(bot.command("U0OUTSIDER", "/rfc", "approve 1"))
    assert "*RFCs from Slack*" in ephemeral(bot.command(HANNAH, "/rfc", ""))
    listing = ephemeral(bot.command(HANNAH, "/rfc", "list accepted"))
    assert "`0001` accepted" in listing and "`0002` accepted" in listing
    assert bot.slack.calls == [] or {c.method for c in bot.slack.calls} == {"auth.test"}  # answered in the ack


def test_invalid_form_shows_errors_and_stores_nothing(bot):
    acked = bot.command(LEA, "/rfc", "new")
    assert (acked.status, acked.body) == (200, ""), acked.body
    bot.slack.wait_for("views.open", ok=True)
    (view,) = bot.slack.views
    answer = bot.send(rq.submit(bot.slack, LEA, view, {"title": "x", "sig": "sig-pipelines", "options": "Bad Option"}))
    body = answer.data
    assert body["response_action"] == "errors" and set(body["errors"]) == {"options"}
    assert bot.deps.outbox.entries() == []


def test_commands_parse_alone():
    assert c.parse("") == c.Help() and c.parse("list accepted").status.value == "accepted"
    assert c.parse('fcp 3 accept feast "Adopt Feast."') == c.Propose(3, Disposition.accept, 'feast "Adopt Feast."')
    assert c.parse("fcp #3 reject we don't need it") == c.Propose(3, Disposition.reject, "we don't need it")
    assert c.parse("concern 3 cost non-blocking") == c.Concern(3, "cost", blocking=False)
    assert c.parse("ready 3 @hannah-okafor") == c.Ready(3, "hannah-okafor")
    for bad, usage in [("show", "show"), ("show x", "show"), ("approve 1 2", "approve"), ("concern 3", "concern"),
                       ("concern 3 a b", "concern"), ("fcp 3 maybe", "fcp"), ("resolve 3", "resolve")]:
        try:
            c.parse(bad)
        except Refusal as exc:
            assert str(exc) == c.USAGE[usage], bad
        else:
            raise AssertionError(bad)
    assert FcpState("running") is FcpState.running


def test_a_burst_of_changes_updates_the_live_message_a_few_times_and_last_with_all_of_them(bot):
    """A sign-off (the button) and 24 concerns at once, Slack answering in 0.1 s: every change is
    stored and answered, the live message is updated fewer times than there were changes (a
    follow-up asked for during a sync waits, and the next sync covers all of them), and the last
    update shows every change."""
    to_review(bot)
    ephemeral(bot.command(HANNAH, "/rfc", "fcp 3 accept feast"))
    wait_until(lambda: bot.deps.store.fcp(3).ts)
    bot.slack.quiet(0.5)
    updates_before = len(bot.slack.sent("chat.update"))
    bot.slack.latency = 0.1
    names = [f"burst-{i:02d}" for i in range(24)]
    burst = [rq.click(bot.slack, SOFIA, "sig-pipelines", live_message(bot)["ts"], "rfc_approve", "3")]
    burst += [rq.command(bot.slack, (HANNAH, SOFIA)[i % 2], "/rfc", f"concern 3 {name} non-blocking", "sig-pipelines")
              for i, name in enumerate(names)]
    with ThreadPoolExecutor(len(burst)) as pool:
        answers = list(pool.map(bot.send, burst))
    assert (answers[0].status, answers[0].body) == (200, "")  # the button answers through the response URL
    assert [ephemeral(a) for a in answers[1:]] == [f"Concern `{n}` raised on RFC 0003." for n in names]
    wait_until(lambda: "Signed off RFC 0003. Quorum is met: the clock runs." in responses(bot))
    bot.slack.quiet(1.0, timeout=60)

    fcp = bot.deps.store.fcp(3).fcp
    assert fcp.signoffs == {"hannah-okafor", "sofia-martins"}
    assert sorted(c.name for c in fcp.concerns) == names
    updates = [c for c in bot.slack.calls if c.method == "chat.update"][updates_before:]
    assert updates and all(c.ok for c in updates), [c.answer for c in updates]
    assert len(updates) < len(burst), len(updates)  # 25 before coalescing; 3 in a run here
    last = updates[-1].args
    section = last["blocks"][1]["text"]["text"]
    assert all(f"`{n}`" in section for n in names) and "Sofia Martins" in section.split("*Missing:*")[0]
    assert live_message(bot)["blocks"][1]["text"]["text"] == section  # what Slack shows now
    assert bot.slack.failed() == []
