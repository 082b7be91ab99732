"""Message metadata and conversations.history in the Slack double, as strict as Slack; and what a
takeover does with them (bot.channels.post_claimed): finds the message a dead owner posted, or,
when Slack will not show the history, says so in the log and posts (at least once)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels import EVENT_TYPE, Channels, metadata
from bot.store import Store
from tests.fakes.slack import FakeSlack, manifest_scopes

from .bot_fixtures import TOKEN

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
HISTORY = {"channels:history", "groups:history", "channels:join"}


@pytest.fixture
def slack():
    fake = FakeSlack(token=TOKEN).start()
    fake.ws.clock = lambda: NOW.timestamp() + len(fake.calls)  # Slack's clock near the store's
    yield fake
    fake.stop()


def error(call) -> dict:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response.data


def test_metadata_must_have_slacks_shape(slack):
    c = WebClient(token=TOKEN, base_url=slack.url)
    cid = slack.channel("ml-platform").id
    others = iter([slack.channel(n).id for n in ("general", "random", "sig-pipelines", "sig-serving", "ml-sync")])

    def post(meta):  # one channel each: Slack allows a burst of a few posts per channel
        return c.chat_postMessage(channel=next(others), text="x", metadata=meta)

    assert error(lambda: c.api_call("chat.postMessage", data={"channel": cid, "text": "x", "metadata": "{nope"})
                 )["error"] == "invalid_metadata_format"
    assert error(lambda: post({"event_type": "x"}))["error"] == "invalid_metadata_format"
    assert error(lambda: post({"event_type": "x", "event_payload": "k"}))["error"] == "invalid_metadata_format"
    extra = {"event_type": "x", "event_payload": {}, "more": 1}
    assert error(lambda: post(extra))["error"] == "invalid_metadata_format"
    assert error(lambda: post({"event_type": "has.period", "event_payload": {}}))["error"] == "invalid_metadata_schema"
    assert error(lambda: post({"event_type": "x", "event_payload": {"k": [1]}}))["error"] == "invalid_metadata_schema"
    ok = c.chat_postMessage(channel=cid, text="x", metadata=metadata("job:k"))
    assert ok["message"]["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"mlhub_key": "job:k"}}
    assert sum(len(ch.messages) for ch in slack.ws.channels.values()) == 1  # nothing refused was posted


def test_history_is_for_members_with_the_scope_newest_first_in_pages(slack):
    c = WebClient(token=TOKEN, base_url=slack.url)
    public, private = slack.channel("ml-platform"), slack.channel("ml-sync")
    sent = [c.chat_postMessage(channel=public.id, text=f"m{i}", metadata=metadata(f"k{i}"))["ts"] for i in range(5)]
    refused = error(lambda: c.conversations_history(channel=public.id))
    assert refused["error"] == "not_in_channel"  # chat:write.public posts without membership; history needs it
    assert c.conversations_join(channel=public.id)["ok"]
    first = c.conversations_history(channel=public.id, limit=2, oldest=sent[0])  # exclusive: m0 is left out
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"] and first["has_more"]
    assert "metadata" not in first["messages"][0]  # only with include_all_metadata
    cursor = first["response_metadata"]["next_cursor"]
    second = c.conversations_history(channel=public.id, limit=2, oldest=sent[0], cursor=cursor,
                                     include_all_metadata=True)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"] and not second["has_more"]
    assert second["response_metadata"]["next_cursor"] == ""
    assert second["messages"][0]["metadata"]["event_payload"] == {"mlhub_key": "k2"}
    assert c.conversations_history(channel=public.id, oldest=sent[0], inclusive=True)["messages"][-1]["text"] == "m0"
    assert error(lambda: c.conversations_history(channel=public.id, oldest="soon"))["error"] == "invalid_ts_oldest"
    assert error(lambda: c.conversations_history(channel=public.id, cursor="%%%"))["error"] == "invalid_cursor"
    assert c.conversations_history(channel=private.id)["ok"]  # invited
    assert error(lambda: c.conversations_history(channel="C0NOSUCH1"))["error"] == "channel_not_found"
    narrow = FakeSlack(token=TOKEN, scopes=manifest_scopes() - {"channels:history"}).start()
    try:
        missing = error(lambda: WebClient(token=TOKEN, base_url=narrow.url).conversations_history(
            channel=narrow.channel("general").id))
        assert (missing["error"], missing["needed"]) == ("missing_scope", "channels:history")
    finally:
        narrow.stop()


def test_the_manifest_grants_what_a_takeover_calls():
    assert HISTORY <= manifest_scopes()


class Moving:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def _dead_owner_then_takeover(tmp_path, slack, posted_by_dead: bool, caplog) -> tuple[dict, list]:
    """One store claims a post and dies (having posted, or not); another takes it over after the lease."""
    clock = Moving(NOW)
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    dead, alive = Store(url, clock=clock), Store(url, clock=clock, migrate=False)
    c = WebClient(token=TOKEN, base_url=slack.url)
    try:
        assert dead.take("fcp-end:7", dt.timedelta(minutes=2)).since is None
        if posted_by_dead:  # Slack answered; the process died before writing the ts down
            Channels(dead).post_claimed(c, "fcp-end:7", "sig-pipelines", "RFC 0007 is accepted")
        clock.now = NOW + dt.timedelta(minutes=3)
        with caplog.at_level(logging.INFO, logger="mlhub.bot.channels"):
            where = Channels(alive).post_once(c, "fcp-end:7", "sig-pipelines", "RFC 0007 is accepted")
        return where, [m for m in slack.messages("sig-pipelines")
                       if (m.get("metadata") or {}).get("event_payload", {}).get("mlhub_key") == "fcp-end:7"]
    finally:
        dead.engine.dispose()
        alive.engine.dispose()


def test_a_takeover_finds_the_dead_owners_post(tmp_path, slack, caplog):
    where, found = _dead_owner_then_takeover(tmp_path, slack, True, caplog)
    assert len(found) == 1 and where["ts"] == found[0]["ts"]
    assert "was posted before the takeover" in caplog.text
    assert [(c.method, c.error) for c in slack.calls if c.method != "conversations.list"] == [
        ("chat.postMessage", None), ("conversations.history", "not_in_channel"), ("conversations.join", None),
        ("conversations.history", None)]


def test_a_takeover_that_cannot_read_the_history_says_so_and_posts(tmp_path, slack, caplog):
    slack.scopes -= {"channels:history"}  # an app not reinstalled after its manifest gained the scope
    where, found = _dead_owner_then_takeover(tmp_path, slack, True, caplog)
    assert len(found) == 2  # at least once: the documented cost of a history Slack would not show
    assert where["ts"] == found[-1]["ts"]
    assert "could not read #sig-pipelines's history" in caplog.text and "missing_scope" in caplog.text
    assert [(c.method, c.error) for c in slack.calls if c.method != "conversations.list"] == [
        ("chat.postMessage", None), ("conversations.history", "missing_scope"), ("chat.postMessage", None)]


def test_a_takeover_of_a_claim_nobody_posted_posts_once(tmp_path, slack, caplog):
    where, found = _dead_owner_then_takeover(tmp_path, slack, False, caplog)
    assert len(found) == 1 and where["ts"] == found[0]["ts"]
    assert [c.method for c in slack.calls if c.method != "conversations.list"] == [
        "conversations.history", "conversations.join", "conversations.history", "chat.postMessage"]
