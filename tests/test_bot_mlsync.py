"""The ML Sync from Slack: agenda items three ways, hosts' notes, minutes as a pull request."""

from __future__ import annotations

import json
import time

from .bot_fixtures import SECRET, wait_until
from .fakes import slack_requests as req

AMELIE, HANNAH, KENJI = "U04AMDURAND", "U04HOKAFOR1", "U04KTANAKA1"  # Amélie and Hannah host


def answer(resp) -> str:
    assert resp.status == 200, resp.body
    return json.loads(resp.body)["text"]


def test_agenda_items_notes_and_minutes(bot):
    # the next Sync after Monday 2026-11-23 is the next day (biweekly on Tuesdays from 2026-01-06)
    assert "2026-11-24" in answer(bot.send(req.command(SECRET, KENJI, "add Katib quotas are blocked",
                                                       command="/mlsync")))
    bot.send(req.view_submission(SECRET, KENJI, "mlsync_add", {"item": "Demo volunteers for January"},
                                 view_id="VS1"))
    shortcut = req._payload(SECRET, {
        "type": "message_action", "callback_id": "mlsync_add_message", "team": {"id": "T1"},
        "user": {"id": HANNAH}, "channel": {"id": "C0SIG"}, "trigger_id": "t",
        "message": {"text": "GPU nodes go down on Saturday", "ts": f"{time.time():.6f}"},
        "response_url": "http://127.0.0.1:9/r"})
    assert bot.send(shortcut).status == 200
    agenda = answer(bot.send(req.command(SECRET, KENJI, "agenda", command="/mlsync")))
    for text in ("Katib quotas are blocked (Kenji Tanaka)", "Demo volunteers for January",
                 "GPU nodes go down on Saturday"):
        assert text in agenda

    assert "only the ML Sync hosts" in answer(bot.send(req.command(SECRET, KENJI, "decision Ship it",
                                                                   command="/mlsync")))
    answer(bot.send(req.command(SECRET, AMELIE, "decision Katib stays beta this quarter", command="/mlsync")))
    answer(bot.send(req.command(SECRET, AMELIE, "action wei-zhang Ask the cluster team for a date",
                                command="/mlsync")))
    assert "Publishing" in answer(bot.send(req.command(SECRET, HANNAH, "publish", command="/mlsync")))
    wait_until(lambda: bot.github.pulls)
    (pull,) = bot.github.pulls
    text = bot.github.files[pull.head]["docs/ml-sync/2026-11-24.md"]
    assert text.startswith("# ML Sync 2026-11-24")
    assert "- Katib stays beta this quarter" in text and "(owner: wei-zhang)" in text
    assert "GPU nodes go down on Saturday" in text


def test_usage_lines(bot):
    assert bot.send(req.command(SECRET, KENJI, "add", command="/mlsync")).status == 200  # opens the form
    assert bot.slack.wait_for("views.open")
    assert answer(bot.send(req.command(SECRET, KENJI, "frob", command="/mlsync"))).startswith("I don't know")
    assert "usage: /mlsync action OWNER TEXT" in answer(bot.send(req.command(SECRET, AMELIE, "action nobody x",
                                                                             command="/mlsync")))
