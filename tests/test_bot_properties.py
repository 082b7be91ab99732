"""Property-based: no command text or modal submission makes an exception escape, and nothing is
ever stored half (every stored FCP parses, every outbox entry is complete)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ceremonies.rfc.commands import New, parse
from bot.refusal import Refusal
from mlhub.rfc import fcp as rules

from .bot_fixtures import make_bot
from .fakes import slack_requests as rq

USERS = ["U04HOKAFOR1", "U04SMARTINS", "U04LFISCHER", "U04MLEE0001", "U0OUTSIDER"]
SIGS = ["sig-pipelines", "sig-serving", "sig-training-tuning", "sig-tracking-registry"]
WORDS = st.sampled_from(["help", "list", "show", "new", "ready", "fcp", "approve", "concern", "resolve",
                         "cancel", "accept", "reject", "postpone", "1", "2", "3", "0", "-1", "99999",
                         "hannah-okafor", "feast", "non-blocking", '"', "'", "\\", "é", "", "  ", "“", "<!here>",
                         "#3", "🎉" * 40])
TEXTS = st.one_of(st.lists(WORDS, max_size=6).map(" ".join), st.text(max_size=40))


def consistent(bot) -> None:
    for row in bot.deps.store.fcps():
        rules.from_json(rules.to_json(row.fcp))  # reading it at all means it was not half-written
    for entry in bot.deps.outbox.entries():
        assert entry.kind in ("rfc", "rfc-edit") and entry.payload


def test_commands_never_raise_and_store_nothing_half(tmp_path_factory):
    bot = make_bot(tmp_path_factory.mktemp("prop"))
    try:
        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(user=st.sampled_from(USERS), text=TEXTS)
        def check(user, text):
            try:
                if isinstance(parse(text), New):
                    return  # opens a form: covered below
            except Refusal:
                pass
            resp = bot.send(rq.command(bot.slack, user, "/rfc", text))
            assert resp.status == 200, (text, resp.body)
            assert json.loads(resp.body)["text"]
            consistent(bot)

        check()
    finally:
        bot.slack.stop()
        bot.github.stop()


def test_modal_submissions_never_raise(tmp_path_factory):
    bot = make_bot(tmp_path_factory.mktemp("prop-modal"))
    try:
        views = {}
        for user in USERS[:-1]:  # one form per person, submitted again and again (one filing at most)
            acked = bot.send(rq.command(bot.slack, user, "/rfc", "new"))
            assert (acked.status, acked.body) == (200, ""), acked.body
            bot.slack.wait_for("views.open", len(views) + 1, ok=True)
            views[user] = list(bot.slack.views)[-1]

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(title=st.text(min_size=1, max_size=100).filter(str.strip), sig=st.sampled_from(SIGS),
               rtype=st.sampled_from(["decision", "process"]), options=st.text(max_size=40),
               summary=st.text(max_size=300), user=st.sampled_from(USERS[:-1]))
        def check(title, sig, rtype, options, summary, user):
            resp = bot.send(rq.submit(bot.slack, user, views[user], {
                "title": title, "sig": sig, "type": rtype, "options": options, "summary": summary}))
            assert resp.status == 200
            if resp.body:
                assert json.loads(resp.body)["response_action"] == "errors"
            consistent(bot)

        check()
        assert len([e for e in bot.deps.outbox.entries() if e.kind == "rfc"]) <= len(views)
    finally:
        bot.slack.quiet(0.5)
        bot.slack.stop()
        bot.github.stop()
