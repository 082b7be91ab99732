"""Merging a duplicate request from Slack (`/request merge DUP into ID`, the ML Sync hosts only):
one outbox entry of kind `request-merge`, shared with `mlhub request merge`, one pull request with
both files, a redelivery answered once, and the duplicate's requester and supporters told."""

from __future__ import annotations

import pytest

from bot.ceremonies.requests import commands as c
from bot.refusal import Refusal
from mlhub.publish.outbox import EntryState
from mlhub.requests import duplicates

from .bot_fixtures import answer, dms_to, responded, wait_until
from .fakes import slack_requests as rq
from .publish_faults import cli, retry

HANNAH, KENJI, PRIYA = "U04HOKAFOR1", "U04KTANAKA1", "U04PRAMAN01"
MERGE = "merge registry-model-cards into feature-store"
ELSEWHERE = "merge registry-model-cards into gpu-quota-visibility"


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


# --- a merge still open holds its two requests -------------------------------------------------------------


def opened(bot, number: int) -> None:
    wait_until(lambda: any(f"pull request #{number} is open" in t for t in responded(bot)), 20)


def test_a_request_in_a_merge_still_open_is_not_merged_again_either_way(bot):
    assert "is merged into `feature-store`" in answer(bot.command(HANNAH, "/request", MERGE))
    opened(bot, 1)
    (first,) = bot.deps.outbox.entries(kind="request-merge")
    url = bot.github.pulls[0]
    # the same duplicate into another request: both pull requests would want request-merge/registry-model-cards
    said = answer(bot.command(HANNAH, "/request", ELSEWHERE))
    assert said.startswith("registry-model-cards takes part in a merge not in the repository yet: "
                           "registry-model-cards into feature-store (pull request #1, http"), said
    assert f"`mlhub outbox drop {first.id[:8]}`" in said and "is merged into `gpu" not in said
    # the other way round: each pull request valid alone, both together a chain
    back = answer(bot.command(HANNAH, "/request", "merge feature-store into registry-model-cards"))
    assert back.startswith("feature-store and registry-model-cards take part in a merge not in the repository yet")
    # into the duplicate's target: two pull requests rewriting feature-store's supporters
    into = answer(bot.command(HANNAH, "/request", "merge gpu-quota-visibility into feature-store"))
    assert into.startswith("feature-store takes part in a merge not in the repository yet"), into
    bot.slack.quiet(0.5)
    assert [e.id for e in bot.deps.outbox.entries()] == [first.id]  # refusals store nothing
    assert [(p.number, p.head) for p in bot.github.pulls] == [(1, "request-merge/registry-model-cards")]
    assert url.state == "open"
    # the same merge again is the same entry: published already
    assert "published already" in answer(bot.command(HANNAH, "/request", MERGE))


def test_a_merge_stored_but_not_published_holds_its_requests_too(bot):
    bot.github.fail("create_pull", "422")
    assert "is merged into" in answer(bot.command(HANNAH, "/request", MERGE))
    wait_until(lambda: any("Left for later" in t for t in responded(bot)), 20)
    (first,) = bot.deps.outbox.entries(kind="request-merge")
    assert first.state is EntryState.pending
    said = answer(bot.command(HANNAH, "/request", ELSEWHERE))
    assert (f"registry-model-cards into feature-store (outbox entry {first.id[:8]}, not published yet)" in said), said
    bot.slack.quiet(0.5)
    assert len(bot.deps.outbox.entries()) == 1 and bot.github.pulls == []


def test_the_cli_and_slack_keep_the_one_rule(bot):
    assert "is merged into" in answer(bot.command(HANNAH, "/request", MERGE))
    opened(bot, 1)
    code, out = cli(bot, "request", "merge", "feature-store", "registry-model-cards")
    assert code == 2 and "take part in a merge not in the repository yet" in out and "pull request #1" in out, out
    code, out = cli(bot, "request", "merge", "registry-model-cards", "feature-store")  # the same merge
    assert code == 0 and "published already" in out, out
    assert len(bot.github.pulls) == 1 and len(bot.deps.outbox.entries()) == 1


def test_a_merge_whose_branch_another_merge_holds_fails_for_good_and_says_so(bot):
    from bot.publishing import Desk, finish
    from bot.scheduler import Scheduler

    assert "is merged into" in answer(bot.command(HANNAH, "/request", MERGE))
    opened(bot, 1)
    (first,) = bot.deps.outbox.entries(kind="request-merge")
    # another replica checked before the first merge was stored, and stored the same duplicate into another request
    raced = bot.deps.outbox.add("request-merge", duplicates.merge_payload(
        bot.deps.hub(), "registry-model-cards", "gpu-quota-visibility", "hannah-okafor"),
        entry_id=duplicates.merge_id("registry-model-cards", "gpu-quota-visibility"))
    outcome = finish(Desk.of(bot.deps), raced.id)
    assert outcome.left and outcome.published is None and outcome.entry.state is EntryState.failed
    assert ("The merge of request registry-model-cards into gpu-quota-visibility: not published, and trying again "
            "cannot publish it (branch request-merge/registry-model-cards is taken)") in outcome.text
    assert "tries again" not in outcome.text and "finishes it" not in outcome.text
    assert [p.head for p in bot.github.pulls] == ["request-merge/registry-model-cards"]
    assert not [b for b in bot.github.branches if b.startswith("mlhub-draft/")]
    # nobody heard it yet (another replica's follow-up, say): the host is told once; nothing is tried again
    sched = Scheduler(bot.deps, bot.app.client)
    for minutes in (1, 2, 30):
        sched.tick(bot.clock().replace(minute=minutes))
    told = [t for t in dms_to(bot, HANNAH) if "into gpu-quota-visibility: not published" in t]
    assert len(told) == 1 and "request-merge/registry-model-cards is taken" in told[0]
    assert bot.deps.outbox.get(raced.id).attempts == 1 and len(bot.github.pulls) == 1
    code, out = cli(bot, "outbox", "list")
    (line,) = [x for x in out.splitlines() if x.startswith(raced.id[:8])]
    assert code == 0 and " failed " in line and "branch request-merge/registry-model-cards is taken" in line, out
    assert retry(bot, None) == (0, "nothing waiting to be published\n")
    # the first merge's pull request is closed unmerged and withdrawn: the other merge may be asked for again
    bot.github.pulls[0].state = "closed"
    code, out = cli(bot, "outbox", "drop", first.id[:8], "--reason", "closed unmerged: not a duplicate")
    assert code == 0 and "withdrawn: closed unmerged" in out and "pull request #1 stays as it is" in out, out
    assert bot.deps.outbox.get(first.id).state is EntryState.failed
    before = len(responded(bot))
    assert "is merged into `gpu-quota-visibility`" in answer(bot.command(HANNAH, "/request", ELSEWHERE))
    wait_until(lambda: len(responded(bot)) > before, 20)
    # its branch is still there (nobody deleted it): failed again, and the host hears it in the command's reply
    assert "not published, and trying again cannot publish it" in responded(bot)[-1]
    sched.tick(bot.clock().replace(minute=40))
    assert len([t for t in dms_to(bot, HANNAH) if "not published" in t]) == 1  # heard in the reply, not twice
    del bot.github.branches["request-merge/registry-model-cards"]
    assert "is merged into `gpu-quota-visibility`" in answer(bot.command(HANNAH, "/request", ELSEWHERE))
    opened(bot, 2)
    assert bot.deps.outbox.get(raced.id).state is EntryState.done
    pull = bot.github.pulls[1]
    assert pull.head == "request-merge/registry-model-cards"
    assert "duplicate_of: gpu-quota-visibility" in bot.github.files[pull.head]["requests/registry-model-cards.yaml"]


def test_dropping_what_cannot_be_dropped_says_why(bot):
    code, out = cli(bot, "outbox", "drop", "nope", "--reason", "x")
    assert code == 2 and "0 outbox entries match 'nope'" in out, out
    bot.command(HANNAH, "/request", "decline feature-store not now")
    wait_until(lambda: any("pull request #1 is open" in t for t in responded(bot)), 20)
    (entry,) = bot.deps.outbox.entries()
    code, out = cli(bot, "outbox", "drop", entry.id[:8], "--reason", "x")
    assert code == 1 and "is published" in out and "nothing to withdraw" in out, out
    assert bot.deps.outbox.get(entry.id).state is EntryState.done


def _entry(dup: str, into: str, state: EntryState, journal: dict | None = None):
    import datetime as dt

    from mlhub.publish.outbox import Entry

    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    payload = {"id": dup, "into": into, "change": {"branch": f"request-merge/{dup}"}}
    return Entry(duplicates.merge_id(dup, into), duplicates.MERGE_KIND, state, payload, journal or {}, 1, "", now, now)


@pytest.mark.parametrize("entry, dup, into, expected", [
    (_entry("a", "b", EntryState.pending), "c", "d", None),  # unrelated
    (_entry("a", "b", EntryState.failed), "a", "c", None),  # failed or withdrawn: in nobody's way
    (_entry("a", "b", EntryState.done, {"pull": {"number": 4}}), "a", "b", None),  # the same merge: the same entry
    (_entry("registry-model-cards", "feature-store", EntryState.done), "registry-model-cards", "x",
     None),  # pretend it landed: the repository's own checks apply (see below)
    (_entry("a", "b", EntryState.done, {"pull": {"number": 4, "url": "u"}}), "c", "a",
     "a takes part in a merge not in the repository yet: a into b (pull request #4, u)"),
    (_entry("a", "b", EntryState.done), "b", "a", "b and a take part in a merge not in the repository yet: a into b "
     "(branch request-merge/a)"),
    (_entry("a", "b", EntryState.pending), "c", "b", "b takes part in a merge not in the repository yet: a into b "
     "(outbox entry "),
])
def test_which_merges_wait_for_an_open_one(entry, dup, into, expected):
    from mlhub.content import load

    from .conftest import REPO

    hub = load(REPO)
    landed = hub.request("registry-model-cards").model_copy(update={"duplicate_of": "feature-store"})
    hub.requests = [landed if r.id == landed.id else r for r in hub.requests]
    found = duplicates.open_merge(hub, [entry], dup, into)
    assert (found is None) if expected is None else (found or "").startswith(expected), found
