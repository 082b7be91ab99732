"""A claimed post that Slack made but whose answer never reached the bot (the connection dropped,
the read timed out) is not made a second time: the client does not resend it blindly, a resend
comes only after the history shows the post missing, and a claim let go with its outcome unknown
keeps `since`, so that the next attempt (the next tick, MLflow's retry) reads the history first."""

from __future__ import annotations

import datetime as dt
import threading
import types

import pytest
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

from bot.app import web_client
from bot.ceremonies import feedback
from bot.channels import Channels
from bot.store import Store
from tests.fakes.slack import FakeSlack

from .bot_fixtures import TOKEN


@pytest.fixture
def slack():
    fake = FakeSlack(token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'bot.sqlite'}")


def keyed(slack, key: str) -> list[dict]:
    return [m for ch in slack.ws.channels.values() for m in ch.messages.values()
            if (m.get("metadata") or {}).get("event_payload", {}).get("mlhub_key") == key]


def calls(slack) -> list[tuple[str, int, str | None, bool]]:
    return [(c.method, c.status, c.error, c.lost) for c in slack.calls if c.method != "conversations.list"]


def test_a_post_whose_answer_is_lost_is_found_in_the_history_not_resent(slack, store):
    client = web_client(TOKEN, slack.url)
    slack.fail("chat.postMessage", "lost")
    taken = store.take("job:demo-A", dt.timedelta(minutes=2))
    assert taken.mine and taken.since is None  # a fresh claim: nobody can have posted it
    posted = Channels(store).post_claimed(client, "job:demo-A", "sig-pipelines", "the ML Sync starts in 1 h",
                                          since=taken.since)
    (message,) = keyed(slack, "job:demo-A")
    assert posted == {"channel": slack.channel("sig-pipelines").id, "ts": message["ts"], "found": True}
    assert calls(slack) == [("chat.postMessage", 200, None, True),  # made; the connection closed unanswered
                            ("conversations.history", 200, "not_in_channel", False),
                            ("conversations.join", 200, None, False),
                            ("conversations.history", 200, None, False)]  # there: not sent again
    # the bot's own client still retries connection errors for everything else
    assert any(isinstance(h, ConnectionErrorRetryHandler) for h in client.retry_handlers)


def test_a_lost_answer_of_a_post_slack_did_not_make_is_resent_once(slack, store):
    client = web_client(TOKEN, slack.url)
    slack.fail("chat.postMessage", "500")  # internal_error: Slack says it may have been made; here it was not
    posted = Channels(store).post_claimed(client, "job:demo-C", "sig-pipelines", "the ML Sync starts in 1 h")
    (message,) = keyed(slack, "job:demo-C")
    assert posted["ts"] == message["ts"] and "found" not in posted
    assert calls(slack) == [("chat.postMessage", 500, "internal_error", False),
                            ("conversations.history", 200, "not_in_channel", False),
                            ("conversations.join", 200, None, False),
                            ("conversations.history", 200, None, False),  # missing: sent again
                            ("chat.postMessage", 200, None, False)]


def test_a_refused_post_is_certain_and_its_claim_is_let_go_without_since(slack, store):
    deps = types.SimpleNamespace(store=store, channels=Channels(store))
    store.add_feedback("fb-R", "tutorials/x", False, "blocked", "sig-pipelines")
    client = web_client(TOKEN, slack.url)
    slack.fail("chat.postMessage", "429", times=4)  # ratelimited: refused before anything is done
    assert feedback.post_one(deps, client, "fb-R", "sig-pipelines", "feedback: blocked") is False
    assert keyed(slack, "feedback:fb-R") == []
    assert store.take("feedback:fb-R", feedback.POST_LEASE).since is None  # nothing to look for


def test_a_timed_out_post_is_let_go_unsure_and_the_next_attempt_finds_it(slack, store):
    deps = types.SimpleNamespace(store=store, channels=Channels(store))
    store.add_feedback("fb-B", "tutorials/x", False, "blocked", "sig-pipelines")
    client = web_client(TOKEN, slack.url)
    client.timeout = 1
    slack.holds["chat.postMessage"] = gate = threading.Event()  # Slack is slow: the read times out
    first = feedback.post_one(deps, client, "fb-B", "sig-pipelines", "feedback: blocked on step 3")
    assert first is False and slack.held == ["chat.postMessage"]  # no resend while it may be under way
    gate.set()  # Slack makes the post after all
    slack.wait_for("chat.postMessage", 1, ok=True)
    taken = store.take("feedback:fb-B", feedback.POST_LEASE)
    assert taken.mine and taken.since is not None  # unsure: the next attempt looks first
    store.release("feedback:fb-B", unsure=True)
    second = feedback.post_one(deps, client, "fb-B", "sig-pipelines", "feedback: blocked on step 3")
    assert second is True and len(keyed(slack, "feedback:fb-B")) == 1
    assert store.unposted_feedback() == []
    assert calls(slack) == [("chat.postMessage", 200, None, False),  # answered after the bot gave up
                            ("conversations.history", 200, "not_in_channel", False),
                            ("conversations.join", 200, None, False),
                            ("conversations.history", 200, None, False)]

