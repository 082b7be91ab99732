"""Property-based: no command text or modal submission makes an exception escape, and nothing is
ever stored half (every stored FCP parses, every outbox entry is complete)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlhub.rfc import fcp as rules

from .bot_fixtures import SECRET, make_bot
from .fakes import slack_requests as req

USERS = ["U04HOKAFOR1", "U04SMARTINS", "U04LFISCHER", "U04MLEE0001", "UNOBODY"]
WORDS = st.sampled_from(["help", "list", "show", "new", "ready", "fcp", "approve", "concern", "resolve",
                         "cancel", "accept", "reject", "postpone", "1", "2", "3", "0", "-1", "99999",
                         "hannah-okafor", "feast", "non-blocking", '"', "'", "\\", "é", "", "  "])
TEXTS = st.one_of(st.lists(WORDS, max_size=6).map(" ".join), st.text(max_size=40))


def consistent(bot) -> None:
    for data in bot.deps.store.fcps():
        rules.from_json(data)  # raises if half-written
    for entry in bot.deps.outbox.entries():
        assert entry.kind in ("rfc", "rfc-edit") and entry.payload


def test_commands_never_raise_and_store_nothing_half(tmp_path_factory):
    bot = make_bot(tmp_path_factory.mktemp("prop"))
    try:
        @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
        @given(user=st.sampled_from(USERS), text=TEXTS)
        def check(user, text):
            if text.strip() == "new":
                return  # opens a modal: covered below
            resp = bot.send(req.command(SECRET, user, text))
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
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(title=st.text(max_size=120), sig=st.sampled_from(["sig-pipelines", "sig-nope", ""]),
               rtype=st.sampled_from(["decision", "process", "bogus"]), options=st.text(max_size=40),
               user=st.sampled_from(USERS))
        def check(title, sig, rtype, options, user):
            resp = bot.send(req.view_submission(SECRET, user, "rfc_new", {
                "title": title, "sig": ("select", sig), "type": ("select", rtype), "options": options},
                view_id="VPROP"))
            assert resp.status == 200
            if resp.body:
                assert json.loads(resp.body)["response_action"] == "errors"
            consistent(bot)

        check()
    finally:
        bot.slack.stop()
        bot.github.stop()
