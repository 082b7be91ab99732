"""Merging a duplicate request from Slack (`/request merge DUP into ID`, the ML Sync hosts only):
one outbox entry of kind `request-merge`, shared with `mlhub request merge`, one pull request with
both files, a redelivery answered once, and the duplicate's requester and supporters told."""

from __future__ import annotations

import json

import pytest

from bot.ceremonies.requests import commands as c
from bot.refusal import Refusal
from mlhub.publish.outbox import EntryState
from mlhub.requests import duplicates

from .bot_fixtures import wait_until
from .fakes import slack_requests as rq
from .publish_faults import retry

HANNAH, KENJI, PRIYA = "U04HOKAFOR1", "U04KTANAKA1", "U04PRAMAN01"
MERGE = "merge registry-model-cards into feature-store"


def answer(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def responded(bot) -> list[str]:
    return [r.args["text"] for r in bot.slack.responses if r.ok]


def dms_to(bot, user) -> list[str]:
    return [m["text"] for m in bot.slack.delivered("chat.postMessage") if m["channel"] == user]


@pytest.mark.parametrize("typed, expected", [
    ("merge a into b", c.Merge("a", "b")), ("merge A b", c.Merge("a", "b")), ("MERGE a INTO b", c.Merge("a", "b")),
])
def test_merge_parses_with_or_without_into(typed, expected):
    assert c.parse(typed) == expected


@pytest.mark.parametrize("typed", ["merge", "merge a", "merge a into", "merge a into b c", "merge a b c"])
def test_a_bad_merge_gets_its_usage_line(typed):
    with pytest.raises(Refusal, match=r"usage: /request merge DUPLICATE into ID"):
        c.parse(typed)


def test_a_host_merges_a_duplicate_as_one_pull_request_and_its_people_hear_it(bot):
    bot.command(KENJI, "/request", "support registry-model-cards")  # a live supporter of the duplicate
    assert "only the ML Sync hosts" in answer(bot.command(KENJI, "/request", MERGE))
    assert "no request 'nope'; see `/request list`" in answer(bot.command(HANNAH, "/request", "merge nope into x"))
    itself = bot.command(HANNAH, "/request", "merge feature-store feature-store")
    assert "cannot be merged into itself" in answer(itself)
    assert bot.deps.outbox.entries() == []  # refusals store nothing
    delivery = rq.command(bot.slack, HANNAH, "/request", MERGE, "sig-pipelines")
    first, again = answer(bot.send(delivery)), answer(bot.send(delivery))  # Slack's retry: the same request
    assert first == again and "is merged into `feature-store`" in first
    wait_until(lambda: any("pull request #1 is open" in t for t in responded(bot)), 20)
    (pull,) = bot.github.pulls
    assert pull.head == "request-merge/registry-model-cards"
    files = bot.github.files[pull.head]
    assert "duplicate_of: feature-store" in files["requests/registry-model-cards.yaml"]
    assert "priya-raman" in files["requests/feature-store.yaml"]  # the duplicate's requester carried over
    (entry,) = bot.deps.outbox.entries(kind="request-merge")
    assert entry.state is EntryState.done and entry.id == duplicates.merge_id("registry-model-cards", "feature-store")
    for user in (PRIYA, KENJI):  # the duplicate's requester and its live supporter
        wait_until(lambda u=user: any("was declined: Duplicate of feature-store" in t for t in dms_to(bot, u)), 20)
    # the same merge typed again (a new request): published already, nothing twice
    said = answer(bot.command(HANNAH, "/request", "merge registry-model-cards feature-store"))
    assert "published already" in said and "Nothing was published again." in said
    bot.slack.quiet(0.5)
    assert len(bot.github.pulls) == 1 and sum("Duplicate of" in t for t in dms_to(bot, PRIYA)) == 1


def test_a_merge_github_refused_is_finished_by_mlhub_outbox_retry_and_then_told(bot, tmp_path):
    from bot.scheduler import Scheduler

    bot.github.fail("create_pull", "422")
    assert "is merged into" in answer(bot.command(HANNAH, "/request", MERGE))
    wait_until(lambda: any("Left for later" in t for t in responded(bot)), 20)
    (said,) = [t for t in responded(bot) if "Left for later" in t]
    assert "the pull request of branch request-merge/registry-model-cards" in said
    assert "`mlhub outbox retry` or the next `/request merge` of these requests finishes it" in said
    assert not [b for b in bot.github.branches if b.startswith("mlhub-draft/")]
    assert not any("Duplicate of" in t for t in dms_to(bot, PRIYA))  # nothing told of what is not published
    code, out = retry(bot, tmp_path)
    assert code == 0 and "The merge of request registry-model-cards into feature-store" in out, out
    assert [p.head for p in bot.github.pulls] == ["request-merge/registry-model-cards"]
    sched = Scheduler(bot.deps, bot.app.client)
    for minutes in (1, 2):
        sched.tick(bot.clock().replace(minute=minutes))
    assert sum("Duplicate of feature-store" in t for t in dms_to(bot, PRIYA)) == 1


def test_every_request_command_has_a_docs_heading_and_the_manifest_hint_names_merge():
    from bot.manifest import manifest

    from .test_docs import DOCS, headings

    documented = {" ".join(text.strip("`").split()[:2]) for _, text in headings(DOCS / "bot.md")}
    assert {f"/request {sub}" for sub in [*c.USAGE, "new", "help"]} <= documented
    assert "`/request merge DUPLICATE into ID`" in c.HELP
    hints = {s["command"]: s["usage_hint"] for s in manifest(socket_mode=True)["features"]["slash_commands"]}
    assert "merge DUP into ID" in hints["/request"]
