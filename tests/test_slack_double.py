"""The Slack double refuses what Slack refuses, with Slack's error names and shapes: a double that
is kinder than Slack lets bugs through (issue 11 found 18 interactions that broke on this one)."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from .conftest import REPO
from .fakes import slack_blockkit as kit
from .fakes import slack_requests as rq
from .fakes.slack import SHAPES, FakeSlack
from .fakes.slack_workspace import BOT_USER, OUTSIDER, SLACK_ZONES

TOKEN = "xoxb-test-token"
HANNAH, SOFIA = "U04HOKAFOR1", "U04SMARTINS"


@pytest.fixture
def slack():
    double = FakeSlack(token=TOKEN).start()
    yield double
    double.stop()


def client(slack, token=TOKEN) -> WebClient:
    return WebClient(token=token, base_url=slack.url)


def error(call) -> dict:
    with pytest.raises(SlackApiError) as err:
        call()
    return err.value.response.data


def test_tokens_methods_and_scopes(slack):
    assert error(lambda: client(slack, token="").chat_postMessage(channel="C1", text="x"))["error"] == "not_authed"
    assert error(lambda: client(slack, token="xoxb-forged").auth_test())["error"] == "invalid_auth"
    assert error(lambda: client(slack).api_call("chat.frobnicate"))["error"] == "unknown_method"
    assert error(lambda: client(slack).apps_connections_open(app_token=TOKEN))["error"] == "not_allowed_token_type"
    narrow = FakeSlack(token=TOKEN, scopes={"commands", "chat:write"}).start()
    try:
        refused = error(lambda: client(narrow).users_info(user=HANNAH))
        assert refused["error"] == "missing_scope" and refused["needed"] == "users:read"
        assert refused["provided"] == "chat:write,commands"
        refused = error(lambda: client(narrow).conversations_list(types="public_channel,private_channel"))
        assert refused["needed"] == "channels:read,groups:read"
        # without chat:write.public, a channel the bot has not joined is closed to it
        assert error(lambda: client(narrow).chat_postMessage(channel="#sig-pipelines", text="x"))["error"] == \
            "not_in_channel"
    finally:
        narrow.stop()
    assert set(SHAPES["chat.postMessage"]["errors"]) >= {"channel_not_found", "not_in_channel", "invalid_blocks"}


def test_ids_and_names_as_slack_resolves_them(slack):
    c = client(slack)
    posted = c.chat_postMessage(channel="#sig-pipelines", text="hello")
    public = slack.channel("sig-pipelines")
    assert posted["channel"] == public.id  # Slack answers with the id, never the name
    assert error(lambda: c.chat_update(channel="#sig-pipelines", ts=posted["ts"], text="x"))["error"] == \
        "channel_not_found"
    assert c.chat_update(channel=public.id, ts=posted["ts"], text="edited")["ok"]
    assert error(lambda: c.chat_update(channel=public.id, ts="1.000001", text="x"))["error"] == "message_not_found"
    # a private channel is not found by name, even though the bot was invited; by id it is
    private = slack.channel("ml-sync")
    assert private.is_private and BOT_USER in private.members
    assert error(lambda: c.chat_postMessage(channel="#ml-sync", text="x"))["error"] == "channel_not_found"
    assert c.chat_postMessage(channel=private.id, text="x")["ok"]
    # a renamed channel: the old name is gone, the id still works
    slack.ws.rename("sig-serving", "sig-model-serving")
    assert error(lambda: c.chat_postMessage(channel="#sig-serving", text="x"))["error"] == "channel_not_found"
    # a user id posts in the app's DM with that user
    dm = c.chat_postMessage(channel=HANNAH, text="hi")
    assert dm["channel"].startswith("D") and slack.ws.channels[dm["channel"]].members == {BOT_USER, HANNAH}


def test_ephemeral_messages_need_the_bot_in_the_conversation(slack):
    c = client(slack)
    public = slack.channel("sig-pipelines")
    assert error(lambda: c.chat_postEphemeral(channel=public.id, user=HANNAH, text="x"))["error"] == "not_in_channel"
    between_people = slack.ws.dm(HANNAH, SOFIA)
    assert error(lambda: c.chat_postEphemeral(channel=between_people.id, user=HANNAH, text="x"))["error"] == \
        "channel_not_found"
    private = slack.channel("ml-sync")
    private.members.discard(SOFIA)
    assert error(lambda: c.chat_postEphemeral(channel=private.id, user=SOFIA, text="x"))["error"] == \
        "user_not_in_channel"
    assert c.chat_postEphemeral(channel=private.id, user=HANNAH, text="x")["ok"]


def test_triggers_are_single_use_and_expire_after_three_seconds(slack):
    c = client(slack)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Form"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    assert error(lambda: c.views_open(trigger_id="12345.98765.abcd", view=view))["error"] == "invalid_trigger_id"
    trigger = slack.issue_trigger(HANNAH)
    opened = c.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["id"].startswith("V") and opened["view"]["blocks"][0]["block_id"]
    assert error(lambda: c.views_open(trigger_id=trigger, view=view))["error"] == "exchanged_trigger_id"
    late = slack.issue_trigger(HANNAH)
    slack.age_trigger(late, 3.1)
    assert error(lambda: c.views_open(trigger_id=late, view=view))["error"] == "expired_trigger_id"


def test_block_kit_limits_in_messages_and_views(slack):
    c = client(slack)
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    refused = error(lambda: c.chat_postMessage(channel="#sig-pipelines", text="t", blocks=long_section))
    assert refused["error"] == "invalid_blocks"
    assert "must be less than 3001 characters [json-pointer:/blocks/0/text/text]" in refused["errors"]
    # emoji outside the Basic Multilingual Plane count twice
    assert kit.blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "🎉" * 1501}}])
    assert not kit.blocks([{"type": "section", "text": {"type": "mrkdwn", "text": "🎉" * 1500}}])
    too_many = [{"type": "divider"}] * 51
    assert "no more than 50 items allowed [json-pointer:/blocks]" in error(
        lambda: c.chat_postMessage(channel="#sig-pipelines", text="t", blocks=too_many))["errors"]
    twice = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "1"}},
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "2"}}]}]
    assert error(lambda: c.chat_postMessage(channel="#sig-pipelines", text="t", blocks=twice))["error"] == \
        "invalid_blocks"
    assert kit.blocks([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}])
    assert kit.blocks([{"type": "input", "label": {"type": "plain_text", "text": "x"},
                        "element": {"type": "plain_text_input"}}])  # no input blocks in messages
    view = {"type": "modal", "title": {"type": "plain_text", "text": "A title of 25 characters!"},
            "blocks": [{"type": "divider"}] * 101}
    refused = error(lambda: c.views_open(trigger_id=slack.issue_trigger(HANNAH), view=view))
    assert refused["error"] == "invalid_arguments"
    messages = refused["response_metadata"]["messages"]
    assert "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]" in messages
    assert "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]" in messages
    needs_submit = {"type": "modal", "title": {"type": "plain_text", "text": "F"}, "blocks": [
        {"type": "input", "label": {"type": "plain_text", "text": "x"}, "element": {"type": "plain_text_input"}}]}
    assert kit.view(needs_submit)


def test_unknown_fields_and_a_button_in_an_input_are_invalid_blocks(slack):
    c = client(slack)
    option = {"text": {"type": "plain_text", "text": "RUN"}, "value": "run", "url": "", "colour": "red"}
    select = [{"type": "section", "text": {"type": "mrkdwn", "text": "pick"}, "accessory": {
        "type": "static_select", "action_id": "a", "options": [option]}}]
    refused = error(lambda: c.chat_postMessage(channel="#sig-pipelines", text="t", blocks=select))
    assert refused["error"] == "invalid_blocks"
    assert refused["errors"] == [
        "additional property not allowed: colour [json-pointer:/blocks/0/accessory/options/0/colour]"]
    odd_block = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}]
    assert kit.blocks(odd_block) == ["additional property not allowed: colour [json-pointer:/blocks/0/colour]"]
    odd_button = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "1"}, "colour": "red"}]}]
    assert kit.blocks(odd_button) == [
        "additional property not allowed: colour [json-pointer:/blocks/0/elements/0/colour]"]
    button_input = {"type": "modal", "title": {"type": "plain_text", "text": "F"},
                    "submit": {"type": "plain_text", "text": "Send"}, "blocks": [
                        {"type": "input", "label": {"type": "plain_text", "text": "x"},
                         "element": {"type": "button", "text": {"type": "plain_text", "text": "b"}}}]}
    refused = error(lambda: c.views_open(trigger_id=slack.issue_trigger(HANNAH), view=button_input))
    assert refused["error"] == "invalid_arguments"
    assert "[ERROR] failed to match all allowed schemas [json-pointer:/view/blocks/0/element]" in \
        refused["response_metadata"]["messages"]


def test_every_method_in_the_shapes_answers_as_slack_does(slack):
    c = client(slack)
    for method in SHAPES:
        assert hasattr(slack, method.replace(".", "_")), f"{method} is in methods.json but not answered"
    posted = c.chat_postMessage(channel="#sig-pipelines", text="to delete")
    assert c.chat_delete(channel=posted["channel"], ts=posted["ts"])["ts"] == posted["ts"]
    assert error(lambda: c.chat_delete(channel=posted["channel"], ts=posted["ts"]))["error"] == "message_not_found"
    channel, theirs = slack.ws.say(HANNAH, "sig-pipelines", "mine")
    assert error(lambda: c.chat_delete(channel=channel.id, ts=theirs["ts"]))["error"] == "cant_delete_message"
    assert c.conversations_info(channel=channel.id)["channel"]["name"] == "sig-pipelines"
    assert error(lambda: c.conversations_info(channel="C0NOPE"))["error"] == "channel_not_found"
    assert error(lambda: c.conversations_info(channel="#sig-pipelines"))["error"] == "channel_not_found"  # ids only
    slack.scopes.discard("im:write")  # an app installed without it (the manifest asks for it)
    assert error(lambda: c.conversations_open(users=HANNAH))["error"] == "missing_scope"
    slack.scopes.add("im:write")
    assert c.conversations_open(users=HANNAH)["channel"]["id"].startswith("D")
    assert error(lambda: c.conversations_open(users=""))["error"] == "users_list_not_supplied"
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Next"}, "blocks": [{"type": "divider"}]}
    trigger = slack.issue_trigger(HANNAH)
    assert c.views_push(trigger_id=trigger, view=modal)["view"]["type"] == "modal"
    assert error(lambda: c.views_push(trigger_id=trigger, view=modal))["error"] == "exchanged_trigger_id"
    assert error(lambda: c.views_push(trigger_id="nope", view=modal))["error"] == "invalid_trigger_id"


def test_rate_limit_tiers_answer_429_with_retry_after(slack):
    c = client(slack)
    c.retry_handlers = []
    for _ in range(100):  # users.info is Tier 4: 100 per minute
        c.users_info(user=HANNAH)
    with pytest.raises(SlackApiError) as err:
        c.users_info(user=HANNAH)
    assert err.value.response.status_code == 429 and err.value.response["error"] == "ratelimited"
    assert int(err.value.response.headers["Retry-After"]) >= 1
    for _ in range(5):  # chat.postMessage: about one per second per channel, short bursts allowed
        c.chat_postMessage(channel="#sig-serving", text="burst")
    assert error(lambda: c.chat_postMessage(channel="#sig-serving", text="one too many"))["error"] == "ratelimited"


def test_users_info_knows_everyone_in_people_yaml_and_one_zone_differs(slack):
    people = yaml.safe_load((REPO / "community/people.yaml").read_text())["people"]
    c = client(slack)
    differs = []
    for p in people:
        user = c.users_info(user=p["slack_id"])["user"]
        assert user["id"] == p["slack_id"] and user["real_name"] == p["name"] and user["tz"]
        if user["tz"] != p["tz"]:
            differs.append(p["id"])
    assert differs == list(SLACK_ZONES)
    assert c.users_info(user=OUTSIDER)["user"]["name"] == "visitor"
    assert error(lambda: c.users_info(user="U0NOBODY"))["error"] == "user_not_found"


def test_conversations_list_pages_and_shows_only_invited_private_channels(slack):
    c = client(slack)
    seen, cursor = [], None
    while True:
        page = c.conversations_list(types="public_channel,private_channel", limit=3, cursor=cursor)
        seen += page["channels"]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    names = {ch["name"] for ch in seen}
    assert {"sig-pipelines", "ml-sync", "ml-community"} <= names
    slack.channel("ml-sync").members.discard(BOT_USER)
    assert "ml-sync" not in {ch["name"] for ch in c.conversations_list(types="private_channel")["channels"]}


def test_response_urls_take_five_posts_and_check_blocks(slack):
    url = slack.issue_response_url("commands", HANNAH, "C1")
    hook = WebhookClient(url)
    assert hook.send(text="").status_code == 400
    assert hook.send(text="x", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
                     ).body == "invalid_blocks"
    for _ in range(5):
        assert hook.send(text="ok", response_type="ephemeral").body == "ok"
    assert (hook.send(text="sixth").status_code, hook.send(text="sixth").body) == (404, "expired_url")


def test_modal_submissions_are_built_from_the_view_that_was_opened(slack):
    view = {"type": "modal", "callback_id": "f", "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [{"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "value", "max_length": 10}},
                       {"type": "input", "block_id": "note", "optional": True,
                        "label": {"type": "plain_text", "text": "Note"},
                        "element": {"type": "plain_text_input", "action_id": "value"}}]}
    vid = client(slack).views_open(trigger_id=slack.issue_trigger(HANNAH), view=view)["view"]["id"]
    submitted = rq.submit(slack, HANNAH, vid, {"title": "Hello"}).payload
    assert submitted["view"]["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": "Hello"}},
        "note": {"value": {"type": "plain_text_input", "value": None}}}  # an empty optional input is null
    with pytest.raises(AssertionError, match="required"):
        rq.submit(slack, HANNAH, vid, {"note": "no title"})
    with pytest.raises(AssertionError, match="no input blocks"):
        rq.submit(slack, HANNAH, vid, {"title": "x", "summary": "not in this modal"})
    with pytest.raises(AssertionError, match="stops typing"):
        rq.submit(slack, HANNAH, vid, {"title": "far more than ten"})
    with pytest.raises(AssertionError, match="only the person"):
        rq.submit(slack, SOFIA, vid, {"title": "x"})


def test_acks_are_checked_as_slack_uses_them(slack):
    view = {"type": "modal", "callback_id": "f", "title": {"type": "plain_text", "text": "Form"},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [{"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
                        "element": {"type": "plain_text_input", "action_id": "value"}},
                       {"type": "section", "block_id": "note", "text": {"type": "mrkdwn", "text": "a note"}}]}
    vid = client(slack).views_open(trigger_id=slack.issue_trigger(HANNAH), view=view)["view"]["id"]
    submitted = rq.submit(slack, HANNAH, vid, {"title": "Hello"})

    def ack(body: dict, delivery=submitted) -> list[str]:
        return rq.ack_problems(delivery, rq.Answer(200, json.dumps(body)))

    assert ack({"response_action": "errors", "errors": {"title": "too short"}}) == []
    assert ack({"response_action": "errors", "errors": {"note": "x", "nope": "y"}}) == [
        "ack: errors names 'note', which is no input block of the view",
        "ack: errors names 'nope', which is no input block of the view"]
    assert ack({"response_action": "close"}) == [
        "ack: response_action is one of ['clear', 'errors', 'push', 'update']"]
    command = rq.command(slack, HANNAH, "/rfc", "list")
    assert ack({"text": "ok", "response_type": "ephemeral"}, command) == []
    assert ack({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]},
               command) == ["ack: must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert ack({"text": "x", "response_type": "everyone"}, command) == [
        "ack: response_type is ephemeral or in_channel"]
    assert ack({"text": "x" * 40_001}, command) == ["ack: msg_too_long"]


def test_faults_still_answer_like_slack(slack):
    slack.fail("auth.test", "503")
    request = urllib.request.Request(slack.url + "auth.test", data=b"", method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    with err.value:
        assert err.value.code == 503 and json.loads(err.value.read())["error"] == "internal_error"
    assert [(c.status, c.error) for c in slack.calls] == [(503, "internal_error")]
    slack.latency = 0.2
    t0 = time.perf_counter()
    client(slack).auth_test()
    assert time.perf_counter() - t0 >= 0.2
