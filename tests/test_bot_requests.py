"""Community requests from Slack, through the real Bolt app, the Slack double and the GitHub double:
file (a form, the message shortcut), similar requests offered first, support (one vote per person,
teams once), accept, decline, everyone told, and the tally published as one pull request per change."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from bot.ceremonies import requests as ceremony
from bot.ceremonies.requests import commands as c
from bot.refusal import Refusal
from bot.scheduler import Scheduler
from mlhub.content import validate

from .bot_fixtures import answer, dms_to, responded, wait_until
from .conftest import REPO
from .fakes import slack_requests as rq
from .fakes.slack_workspace import OUTSIDER

AMELIE, HANNAH, KENJI, WEI, PRIYA, MARCUS, LEA = ("U04AMDURAND", "U04HOKAFOR1", "U04KTANAKA1", "U04WZHANG01",
                                                  "U04PRAMAN01", "U04MLEE0001", "U04LFISCHER")
SPOT = {"title": "Spot instances for Katib trials", "services": "katib",
        "problem": "Our tuning runs hold on-demand GPUs for days; trials could run on spot capacity instead."}


def open_form(bot, user) -> str:
    opened = len(bot.slack.delivered("views.open"))
    assert answer_or_empty(bot.command(user, "/request", "new")) == ""
    bot.slack.wait_for("views.open", opened + 1, ok=True)
    return list(bot.slack.views)[-1]


def answer_or_empty(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body).get("text", "") if resp.body else ""


def file_one(bot, user=PRIYA, values=SPOT):
    view = open_form(bot, user)
    resp = bot.send(rq.submit(bot.slack, user, view, values))
    assert (resp.status, resp.body) == (200, ""), resp.body
    wait_until(lambda: bot.github.pulls, 20)
    wait_until(lambda: any("is filed as" in t for t in dms_to(bot, user)), 20)
    return bot.github.pulls[-1]


def test_filing_from_the_form_opens_a_pull_request_and_posts_the_request_with_its_button(bot, tmp_path):
    pull = file_one(bot)
    assert pull.head == "request/spot-instances-for-katib-trials" and pull.labels == ["request", "sig-training-tuning"]
    text = bot.github.files[pull.head]["requests/spot-instances-for-katib-trials.yaml"]
    assert "requested_by: priya-raman" in text and "team: Risk Analytics" in text
    (posted,) = bot.slack.messages("sig-training-tuning")
    assert "Spot instances for Katib trials" in posted["text"]
    button = posted["blocks"][-1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("request_support", "spot-instances-for-katib-trials")
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", ".cache"))
    (copy / "requests/spot-instances-for-katib-trials.yaml").write_text(text)
    assert validate(copy, bot.clock())[1] == []


def test_a_similar_open_request_is_offered_before_filing(bot):
    view = open_form(bot, LEA)
    values = {"title": "Shared feature store for training and serving", "services": "kubeflow-pipelines",
              "problem": "Teams recompute the same features in their pipelines; online features drift from "
                         "training features."}
    resp = bot.send(rq.submit(bot.slack, LEA, view, values))
    errors = json.loads(resp.body)
    assert resp.status == 200 and errors["response_action"] == "errors"
    said = errors["errors"]["problem"]
    assert "`feature-store`" in said and "/request support feature-store" in said
    assert bot.github.pulls == [] and bot.deps.outbox.entries() == []
    resp = bot.send(rq.submit(bot.slack, LEA, view, values | {"duplicates": "file"}))
    assert (resp.status, resp.body) == (200, "")
    wait_until(lambda: bot.github.pulls, 20)
    assert bot.github.pulls[0].head == "request/shared-feature-store-for-training-and-serving"


def test_bad_form_input_is_named_by_its_field_and_stores_nothing(bot):
    view = open_form(bot, PRIYA)
    resp = bot.send(rq.submit(bot.slack, PRIYA, view, SPOT | {"services": "katibb", "team": "Nobody"}))
    errors = json.loads(resp.body)["errors"]
    assert "unknown service 'katibb'" in errors["services"] and "unknown team 'Nobody'" in errors["team"]
    assert bot.deps.outbox.entries() == [] and bot.github.pulls == []


def test_support_counts_a_person_once_and_a_team_once(bot):
    file_one(bot)
    (posted,) = bot.slack.messages("sig-training-tuning")
    ch = bot.slack.channel("sig-training-tuning")
    for user in (KENJI, KENJI, WEI, HANNAH, AMELIE):
        assert bot.send(rq.click(bot.slack, user, ch.id, posted["ts"], "request_support")).status == 200
    wait_until(lambda: len(responded(bot)) == 5, 20)
    said = responded(bot)
    assert said.count("You support *Spot instances for Katib trials* already: one vote per person.") == 1
    # the answers come back in any order (each from its own follow-up); the last vote counted says 4
    assert any(s.endswith("now supported by 4 people from 3 teams.") for s in said)  # Hannah, Amélie: ML Platform
    votes = bot.deps.store.votes("spot-instances-for-katib-trials")["spot-instances-for-katib-trials"]
    assert votes == {"kenji-tanaka": "Search Relevance", "wei-zhang": "Fraud Detection",
                     "hannah-okafor": "ML Platform", "amelie-durand": "ML Platform"}
    wait_until(lambda: len(bot.slack.delivered("chat.update")) == 5, 20)
    assert "supported by 4 people from 3 teams" in bot.slack.channel("sig-training-tuning").messages[posted["ts"]][
        "blocks"][2]["elements"][0]["text"]


def test_support_by_command_and_its_refusals(bot):
    assert "already" in answer(bot.command(MARCUS, "/request", "support feature-store"))  # in the published tally
    assert "now supported by 5 people from 5 teams" in answer(bot.command(WEI, "/request", "support feature-store"))
    assert "only open and planned" in answer(bot.command(WEI, "/request", "support notebook-gpu-images"))
    assert "no request 'nope'" in answer(bot.command(WEI, "/request", "support nope"))
    assert "I don't know you yet" in answer(bot.command(OUTSIDER, "/request", "support feature-store"))
    assert bot.deps.store.votes() == {"feature-store": {"wei-zhang": "Fraud Detection"}}


def test_hosts_accept_and_decline_and_everyone_hears(bot):
    bot.command(KENJI, "/request", "support registry-model-cards")
    assert "only the ML Sync hosts" in answer(bot.command(KENJI, "/request", "accept registry-model-cards x"))
    assert "no roadmap item 'nope'" in answer(bot.command(HANNAH, "/request", "accept registry-model-cards nope"))
    said = answer(bot.command(HANNAH, "/request", "accept registry-model-cards mlflow-registry-beta"))
    assert "accepted into the roadmap (item `mlflow-registry-beta`)" in said
    wait_until(lambda: bot.github.pulls, 20)
    (pull,) = bot.github.pulls
    text = bot.github.files[pull.head]["requests/registry-model-cards.yaml"]
    assert "status: planned" in text and "roadmap_item: mlflow-registry-beta" in text
    # the requester (Priya) and every supporter (Wei from the tally, Kenji who voted) hear it once
    for user in (PRIYA, WEI, KENJI):
        wait_until(lambda u=user: any("was accepted into the roadmap" in t for t in dms_to(bot, u)), 20)
    assert sum("was accepted" in t for u in (PRIYA, WEI, KENJI) for t in dms_to(bot, u)) == 3
    # the same decision again opens no second pull request and tells nobody twice
    bot.command(HANNAH, "/request", "accept registry-model-cards mlflow-registry-beta")
    bot.slack.quiet(0.5)
    assert len(bot.github.pulls) == 1 and sum("was accepted" in t for t in dms_to(bot, PRIYA)) == 1
    said = answer(bot.command(AMELIE, "/request", 'decline feature-store "Feast" is out of scope for this year.'))
    assert "declined: &quot;Feast&quot;" not in said and "declined: \"Feast\" is out of scope" in said
    wait_until(lambda: len(bot.github.pulls) == 2, 20)
    text = bot.github.files[bot.github.pulls[1].head]["requests/feature-store.yaml"]
    assert "status: declined" in text and "reason: '\"Feast\" is out of scope for this year.'" in text
    wait_until(lambda: any("was declined" in t for t in dms_to(bot, MARCUS)), 20)
    assert "usage: /request decline ID REASON" in answer(bot.command(AMELIE, "/request", "decline feature-store"))
    assert "done -> declined is not an allowed change" in answer(
        bot.command(AMELIE, "/request", "decline tracking-autolog-defaults no"))


def test_the_tally_is_one_pull_request_per_change_and_none_without_one(bot):
    sched = Scheduler(bot.deps, bot.app.client)
    t0 = bot.clock()
    assert ceremony.publish_tally(bot.deps, bot.app.client, t0) is None  # no votes: nothing to publish
    bot.command(KENJI, "/request", "support feature-store")
    bot.command(WEI, "/request", "support feature-store")
    bot.command(WEI, "/request", "support gpu-quota-visibility")  # Wei is in its published tally: no change
    assert ceremony.publish_tally(bot.deps, bot.app.client, t0 + dt.timedelta(minutes=5)) is None  # not yet due
    sched.tick(t0 + ceremony.TALLY_EVERY + dt.timedelta(minutes=1))
    assert len(bot.github.pulls) == 1
    (pull,) = bot.github.pulls
    assert pull.labels == ["request"] and set(bot.github.files[pull.head]) >= {"requests/feature-store.yaml"}
    changed = bot.github.files[pull.head]["requests/feature-store.yaml"]
    assert "- kenji-tanaka" in changed and "- Fraud Detection" in changed and "- Search Relevance" in changed
    base, head = bot.github.files["main"], bot.github.files[pull.head]
    assert {p for p in base | head if base.get(p) != head.get(p)} == {"requests/feature-store.yaml"}
    # later ticks with the same votes publish nothing more
    for hours in (3, 5, 30):
        sched.tick(t0 + dt.timedelta(hours=hours))
    assert len(bot.github.pulls) == 1
    bot.command(PRIYA, "/request", "support feature-store")
    sched.tick(t0 + dt.timedelta(hours=32))
    assert len(bot.github.pulls) == 2


def test_the_message_shortcut_opens_the_form_with_the_message(bot):
    ch, message = bot.slack.ws.say(KENJI, "sig-pipelines", "Could the platform cache <https://pypi.org|PyPI> "
                                                           "wheels? Installs take 10 minutes.")
    resp = bot.send(rq.shortcut(bot.slack, LEA, ch.id, message["ts"], "request_message"))
    assert (resp.status, resp.body) == (200, "")
    bot.slack.wait_for("views.open", ok=True)
    view = bot.slack.views[list(bot.slack.views)[-1]]["view"]
    problem = next(b for b in view["blocks"] if b["block_id"] == "problem")["element"]["initial_value"]
    assert problem == "Could the platform cache PyPI (https://pypi.org) wheels? Installs take 10 minutes."


def test_list_and_show(bot):
    listed = answer(bot.command(KENJI, "/request", "list katib"))
    assert listed.startswith("`gpu-quota-visibility` planned · 3 people from 3 teams")
    assert "No request matches." == answer(bot.command(KENJI, "/request", "list sig-serving"))
    shown = answer(bot.command(KENJI, "/request", "show notebook-gpu-images"))
    assert "Declined: Images pinned per team" in shown and "/request support" not in shown


@pytest.mark.parametrize("typed, expected", [
    ("", c.Help()), ("help", c.Help()), ("new", c.New()), ("list", c.List()), ("list KATIB", c.List("katib")),
    ("support feature-store", c.Support("feature-store")), ("show X", c.Show("x")),
    ("accept a b", c.Accept("a", "b")), ('decline a "not now", sorry', c.Decline("a", '"not now", sorry')),
])
def test_commands_parse(typed, expected):
    assert c.parse(typed) == expected


@pytest.mark.parametrize("typed, usage", [
    ("support", "usage: /request support ID"), ("accept a", "usage: /request accept"),
    ("decline a", "usage: /request decline"),
    ("list a b", "usage: /request list"), ("vote a", "I don't know `/request vote a`"), ("new x", "I don't know"),
    ("decline a " + "x" * 501, "at most 500"),
])
def test_bad_commands_get_a_usage_line(typed, usage):
    with pytest.raises(Refusal, match=usage.replace("[", r"\[").replace("(", r"\(")):
        c.parse(typed)


def test_the_agenda_draft_lists_the_top_requests_and_reader_feedback(bot):
    from mlhub import calendar

    occ = calendar.next_occurrence(bot.deps.ceremonies().ml_sync.meeting, bot.clock())
    bot.deps.store.add_feedback("f1", "catalog/katib.md", False, "the quota example fails", "sig-training-tuning")
    Scheduler(bot.deps, bot.app.client).tick(occ.start - dt.timedelta(days=1) + dt.timedelta(minutes=1))
    channel = bot.deps.ceremonies().ml_sync.slack_channel
    (draft,) = [m["text"] for m in bot.slack.messages(channel) if "agenda draft" in m["text"]]
    assert "Top request: A shared feature store for training and serving (4 teams, open; owner sig-pipelines)" in draft
    assert "Reader feedback: 1 answer, 1 blocked" in draft
    assert "Katib hyperparameter tuning: 1 blocked, 0 helped" in draft


def test_votes_of_a_merged_duplicate_follow_it(bot, tmp_path):
    bot.command(KENJI, "/request", "support registry-model-cards")
    bot.command(WEI, "/request", "support registry-model-cards")  # in its published tally: not stored again
    bot.command(WEI, "/request", "support feature-store")
    copy = tmp_path / "repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".venv", ".git", "site", ".state", ".cache"))
    from mlhub.content import load
    from mlhub.requests import duplicates

    for path, body in duplicates.merge_change(load(copy), "registry-model-cards", "feature-store").files.items():
        (copy / path).write_text(body)  # the merge's pull request, merged
    bot.deps.hub.root = copy
    bot.deps.hub._hub = None
    ceremony.publish_tally(bot.deps, bot.app.client, bot.clock())
    assert bot.deps.store.votes() == {"feature-store": {"kenji-tanaka": "Search Relevance",
                                                        "wei-zhang": "Fraud Detection"}}


def test_a_refused_change_of_status_waits_in_the_one_outbox_and_mlhub_outbox_retry_finishes_it(bot, tmp_path):
    from .publish_faults import retry

    bot.command(KENJI, "/request", "support registry-model-cards")
    bot.github.fail_at(len(bot.github.requests), "422")  # the first call of the publication is refused
    said = answer(bot.command(HANNAH, "/request", "accept registry-model-cards mlflow-registry-beta"))
    assert "accepted into the roadmap" in said
    wait_until(lambda: any("stored, not published yet" in t for t in responded(bot)), 20)
    (entry,) = bot.deps.outbox.entries("pending", "request-status")
    assert bot.github.pulls == [] and entry.attempts == 1
    assert not any("was accepted" in t for t in dms_to(bot, PRIYA))  # nobody hears of what is not published
    code, out = retry(bot, tmp_path)
    assert code == 0, out
    assert "Request registry-model-cards: planned" in out and bot.deps.outbox.entries("pending") == []
    (pull,) = bot.github.pulls
    assert "status: planned" in bot.github.files[pull.head]["requests/registry-model-cards.yaml"]
    # the bot's next tick tells the requester and every supporter, once however often it ticks
    sched = Scheduler(bot.deps, bot.app.client)
    for minutes in (1, 2):
        sched.tick(bot.clock() + dt.timedelta(minutes=minutes))
    for user in (PRIYA, WEI, KENJI):
        assert sum("was accepted into the roadmap" in t for t in dms_to(bot, user)) == 1, user


def test_a_redelivered_support_or_decision_is_answered_once(bot):
    support = rq.command(bot.slack, KENJI, "/request", "support feature-store", "sig-pipelines")
    first, again = answer(bot.send(support)), answer(bot.send(support))  # Slack's retry: the same request
    assert first == again and "already" not in again  # the first answer, not "you support it already"
    assert bot.deps.store.votes("feature-store") == {"feature-store": {"kenji-tanaka": "Search Relevance"}}
    decision = rq.command(bot.slack, HANNAH, "/request", "accept registry-model-cards mlflow-registry-beta",
                          "sig-pipelines")
    first, again = answer(bot.send(decision)), answer(bot.send(decision))
    assert first == again and "accepted into the roadmap" in first
    wait_until(lambda: bot.github.pulls, 20)
    bot.slack.quiet(0.5)
    assert len(bot.github.pulls) == 1 and len(bot.deps.outbox.entries(kind="request-status")) == 1
