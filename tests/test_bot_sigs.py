"""SIGs from Slack: list, next meeting in your zone, join and skip as pull requests, a fair time poll."""

from __future__ import annotations

import json

from icalendar import Calendar

from mlhub import calendar
from mlhub.content import load
from mlhub.content.loader import read

from .bot_fixtures import SECRET, wait_until
from .conftest import REPO, copy_repo
from .fakes import slack_requests as req

DIEGO, WEI, AMELIE, HANNAH = "U04DALVAREZ", "U04WZHANG01", "U04AMDURAND", "U04HOKAFOR1"


def answer(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def test_list_info_and_next_in_your_time_zone(bot):
    assert "sig-serving" in answer(bot.send(req.command(SECRET, WEI, "list", command="/sig")))
    assert "Chairs: diego-alvarez" in answer(bot.send(req.command(SECRET, WEI, "info sig-serving", command="/sig")))
    # Amélie's Slack profile says Europe/Paris; the Pipelines sync is 10:00 in New York
    nxt = answer(bot.send(req.command(SECRET, AMELIE, "next sig-pipelines", command="/sig")))
    assert "16:00 (Europe/Paris)" in nxt
    assert "unknown SIG" in answer(bot.send(req.command(SECRET, WEI, "info sig-nope", command="/sig")))


def test_join_and_skip_become_pull_requests_that_validate(bot, tmp_path):
    assert "Proposed" in answer(bot.send(req.command(SECRET, WEI, "join sig-serving", command="/sig")))
    wait_until(lambda: len(bot.github.pulls) == 1)
    assert "only the chairs" in answer(bot.send(req.command(SECRET, WEI, "skip sig-serving 2026-12-10",
                                                            command="/sig")))
    assert "does not meet" in answer(bot.send(req.command(SECRET, DIEGO, "skip sig-serving 2026-12-03",
                                                          command="/sig")))
    assert "Proposed" in answer(bot.send(req.command(SECRET, DIEGO, "skip sig-serving 2026-12-10", command="/sig")))
    wait_until(lambda: len(bot.github.pulls) == 2)
    join, skip = bot.github.pulls
    joined = bot.github.files[join.head]["community/sigs.yaml"]
    assert "members: [diego-alvarez, hannah-okafor, kenji-tanaka, wei-zhang]" in joined
    skipped = bot.github.files[skip.head]["community/sigs.yaml"]
    assert "exdates: [2026-12-10]" in skipped and "# Special Interest Groups" in skipped  # comments kept
    repo = copy_repo(tmp_path / "repo")
    repo.path("community/sigs.yaml").write_text(skipped)
    hub, problems = read(repo.root)
    assert problems == []
    feed = Calendar.from_ical(calendar.feeds(hub)["sig-serving.ics"])
    event = next(iter(feed.walk("VEVENT")))
    assert int(event["SEQUENCE"]) == 1  # the feed tells calendar clients the occurrence changed
    base = next(iter(Calendar.from_ical(calendar.feeds(load(REPO))["sig-serving.ics"]).walk("VEVENT")))
    assert int(base["SEQUENCE"]) == 0


def test_schedule_posts_a_poll_and_the_chairs_choice_is_a_pull_request(bot, tmp_path):
    assert "Posted a poll" in answer(bot.send(req.command(SECRET, DIEGO, "schedule sig-serving", command="/sig")))
    poll = bot.slack.wait_for("chat.postMessage")[0]
    assert poll["channel"] == "#sig-serving"
    blocks = poll["blocks"] if isinstance(poll["blocks"], list) else json.loads(poll["blocks"])
    assert sum(1 for b in blocks if b.get("accessory", {}).get("action_id") == "sig_vote") == 3
    bot.send(req.action(SECRET, HANNAH, "sig_vote", "sig-serving|2"))
    assert bot.deps.store.poll("sig-serving")["votes"] == {"2": ["hannah-okafor"]}
    assert "Proposed the new time" in answer(bot.send(req.command(SECRET, DIEGO, "choose sig-serving 1",
                                                                  command="/sig")))
    wait_until(lambda: bot.github.pulls)
    text = bot.github.files[bot.github.pulls[0].head]["community/sigs.yaml"]
    repo = copy_repo(tmp_path / "repo")
    repo.path("community/sigs.yaml").write_text(text)
    hub, problems = read(repo.root)
    assert problems == [] and hub.sig("sig-serving").meetings[0].tz == "UTC"
