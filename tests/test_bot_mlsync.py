"""The ML Sync from Slack: agenda items three ways (the message shortcut from a channel the bot has
not joined and from a DM it is not in), hosts' notes, minutes as a pull request."""

from __future__ import annotations

from bot.ceremonies.mlsync import commands as c
from bot.ceremonies.mlsync import next_sync
from bot.mrkdwn import plain
from bot.refusal import Refusal

from .bot_fixtures import wait_until
from .fakes import slack_requests as rq

AMELIE, HANNAH, KENJI, SOFIA = "U04AMDURAND", "U04HOKAFOR1", "U04KTANAKA1", "U04SMARTINS"


def answer(a: rq.Answer) -> str:
    assert a.status == 200, a.body
    return a.text


def responded(bot) -> list[str]:
    return [r.args["text"] for r in bot.slack.responses if r.ok]


def shortcut(bot, user, channel, text, author=SOFIA):
    ch, message = (bot.slack.ws.say(author, channel, text) if isinstance(channel, str)
                   else (c_ := bot.slack.ws.dm(*channel), bot.slack.ws.post(c_, author, text)))
    pressed = bot.send(rq.shortcut(bot.slack, user, ch.id, message["ts"], "mlsync_add_message"))
    assert (pressed.status, pressed.body) == (200, "")
    return message


def test_agenda_items_notes_and_minutes(bot):
    bot.allow("chat.getPermalink", "channel_not_found")  # the bot cannot see a DM between two people
    # the next Sync after Monday 2026-11-23 is the next day (biweekly on Tuesdays from 2026-01-06)
    assert "2026-11-24" in answer(bot.command(KENJI, "/mlsync", "add Katib quotas are blocked"))
    acked = bot.command(KENJI, "/mlsync", "add")
    assert (acked.status, acked.body) == (200, ""), acked.body
    bot.slack.wait_for("views.open", ok=True)
    (view,) = bot.slack.views
    assert bot.send(rq.submit(bot.slack, KENJI, view, {"item": "Demo volunteers for January"})).status == 200
    # from a channel the bot never joined: the answer comes through the response URL
    shortcut(bot, HANNAH, "sig-pipelines", "GPU nodes go down on Saturday <!here>")
    wait_until(lambda: len(responded(bot)) == 1)
    assert responded(bot) == ["Added to the ML Sync agenda of 2026-11-24."]
    # from a DM between two people: the bot cannot see it, so there is no link, and still an answer
    shortcut(bot, HANNAH, (HANNAH, SOFIA), "Can we talk about quotas?")
    wait_until(lambda: len(responded(bot)) == 2)
    assert [c.error for c in bot.slack.calls if c.method == "chat.getPermalink"] == [None, "channel_not_found"]
    agenda = answer(bot.command(KENJI, "/mlsync", "agenda"))
    for text in ("Katib quotas are blocked (Kenji Tanaka)", "Demo volunteers for January",
                 "GPU nodes go down on Saturday @here", "Can we talk about quotas?"):
        assert text in agenda
    assert "<!here>" not in agenda  # the copied message pings nobody
    items = bot.deps.store.agenda("ml-sync", "2026-11-24")
    assert items[2]["link"].startswith("https://corp.slack.com/archives/") and items[3]["link"] is None

    assert "only the ML Sync hosts" in answer(bot.command(KENJI, "/mlsync", "decision Ship it"))
    answer(bot.command(AMELIE, "/mlsync", "decision Katib stays beta <b>this</b> quarter"))
    answer(bot.command(AMELIE, "/mlsync", "action wei-zhang Ask the cluster team for a date"))
    assert "Publishing" in answer(bot.command(HANNAH, "/mlsync", "publish"))
    wait_until(lambda: bot.github.pulls and any("The minutes of 2026-11-24" in t for t in responded(bot)))
    (pull,) = bot.github.pulls
    text = bot.github.files[pull.head]["docs/ml-sync/2026-11-24.md"]
    assert text.startswith("# ML Sync 2026-11-24")
    assert "- Katib stays beta &lt;b&gt;this&lt;/b&gt; quarter" in text  # no HTML gets into the site
    assert "(owner: wei-zhang)" in text
    assert "GPU nodes go down on Saturday @here (Hannah Okafor) ([message](https://" in text
    bot.slack.quiet(0.3)
    assert [f"{f.method} {f.error}" for f in bot.slack.failed()] == ["chat.getPermalink channel_not_found"]


def test_the_same_message_twice_is_one_item(bot):
    message = shortcut(bot, HANNAH, "ml-sync", "Budget review")
    channel = bot.slack.channel("ml-sync")
    acked = bot.send(rq.shortcut(bot.slack, KENJI, channel.id, message["ts"], "mlsync_add_message"))
    assert (acked.status, acked.body) == (200, ""), acked.body
    wait_until(lambda: len(responded(bot)) == 2)  # the two follow-ups may answer in either order
    assert sorted(responded(bot)) == ["Added to the ML Sync agenda of 2026-11-24.",
                                      "That is already on the ML Sync agenda of 2026-11-24."]
    assert len(bot.deps.store.agenda("ml-sync")) == 1


def test_usage_lines(bot):
    assert bot.command(KENJI, "/mlsync", "add").status == 200  # opens the form
    bot.slack.wait_for("views.open", ok=True)
    assert answer(bot.command(KENJI, "/mlsync", "frob")).startswith("I don't know")
    assert "usage: /mlsync action OWNER TEXT" in answer(bot.command(AMELIE, "/mlsync", "action nobody x"))
    for empty in ('action wei-zhang ""', "action wei-zhang “  ”", 'action "" Ask', "action @ Ask", 'decision ""',
                  'decision "  "'):
        assert answer(bot.command(AMELIE, "/mlsync", empty)) == c.USAGE[empty.split()[0]], empty
    assert bot.deps.store.notes(next_sync(bot.deps).isoformat()) == [] and bot.deps.store.agenda() == []
    assert "at most 500" in answer(bot.command(KENJI, "/mlsync", "add " + "🎉 " * 1500))
    assert answer(bot.command(HANNAH, "/mlsync", "publish 2026-13-45")) == c.USAGE["publish"]


def test_commands_parse_alone_and_markup_becomes_plain_text():
    assert c.parse("add  Katib   quotas ") == c.Add("Katib quotas")
    assert c.parse("add") == c.Form() and c.parse("") == c.Help()
    assert c.parse("action @wei-zhang Ask for a date") == c.Action("wei-zhang", "Ask for a date")
    try:
        c.parse("publish tomorrow")
    except Refusal as exc:
        assert str(exc) == c.USAGE["publish"]
    assert plain("<!here> <@U1|ann> in <#C1|general>: <https://x.example|docs> &amp; <mailto:a@b.c>") == \
        "@here @ann in #general: docs (https://x.example) & mailto:a@b.c"
