"""What Slack sends an app, built from what the Slack double holds: slash commands with a fresh
trigger and response URL, button clicks on messages the bot really posted, modal submissions
built from the view the bot really opened (empty optional inputs as null), message shortcuts on
real messages, and events. Then delivered three ways: Bolt's dispatch, signed HTTP, Socket Mode."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest

from tests.fakes import slack_blockkit as kit
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_workspace import APP_ID, BOT_USER, TEAM, TEAM_DOMAIN


@dataclass
class Delivery:
    kind: str  # slash_commands | interactive | events_api (Socket Mode's envelope types)
    payload: dict

    def http_body(self) -> tuple[str, str]:
        if self.kind == "slash_commands":
            return urlencode(self.payload), "application/x-www-form-urlencoded"
        if self.kind == "interactive":
            return urlencode({"payload": json.dumps(self.payload)}), "application/x-www-form-urlencoded"
        return json.dumps(self.payload), "application/json"

    @property
    def trigger_id(self) -> str | None:
        return self.payload.get("trigger_id")

    @property
    def response_url(self) -> str | None:
        return self.payload.get("response_url")


@dataclass
class Answer:
    status: int
    body: str
    problems: list[str] = field(default_factory=list)  # what Slack would refuse in this ack

    @property
    def data(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except json.JSONDecodeError:
            return None

    @property
    def text(self) -> str:
        data = self.data
        return data.get("text", "") if isinstance(data, dict) else ""


RESPONSE_ACTIONS = {"errors", "update", "push", "clear"}
MAX_ACK_TEXT = 40_000  # as chat.postMessage


def ack_problems(delivery: Delivery, answer: Answer) -> list[str]:
    """What Slack would not accept in the ack of an interaction (it shows the person an error, and
    nothing of what the bot meant): a slash command's text and blocks, a view submission's
    response_action, and `errors` that name no input block of the submitted view."""
    if answer.status != 200 or not answer.body:
        return []
    data = answer.data
    if delivery.kind == "slash_commands":
        if data is None:
            return []  # a plain-text body is shown as it is
        if not isinstance(data, dict):
            return ["a slash command's ack is text or a JSON object"]
        found = [f"ack: {p}" for p in kit.blocks(data["blocks"])] if "blocks" in data else []
        if len(str(data.get("text") or "")) > MAX_ACK_TEXT:
            found.append("ack: msg_too_long")
        if data.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
            found.append("ack: response_type is ephemeral or in_channel")
        return found
    if delivery.payload.get("type") != "view_submission":
        return [] if data is None or data == {} else ["only a view submission's ack carries a body"]
    if not isinstance(data, dict) or data.get("response_action") not in RESPONSE_ACTIONS:
        return [f"ack: response_action is one of {sorted(RESPONSE_ACTIONS)}"]
    if data["response_action"] in ("update", "push"):
        return [f"ack: {p}" for p in kit.view(data.get("view"))]
    if data["response_action"] == "errors":
        inputs = {b.get("block_id") for b in delivery.payload["view"]["blocks"] if b.get("type") == "input"}
        errors = data.get("errors")
        if not isinstance(errors, dict) or not errors:
            return ["ack: errors is an object of block_id -> message"]
        return [f"ack: errors names {key!r}, which is no input block of the view" for key in errors
                if key not in inputs] + [f"ack: the error of {key!r} is not a string" for key, v in errors.items()
                                         if not isinstance(v, str)]
    return []


def _user(slack: FakeSlack, user: str) -> dict:
    u = slack.ws.users.get(user)
    return {"id": user, "username": u.name if u else "someone", "name": u.name if u else "someone", "team_id": TEAM}


def _where(slack: FakeSlack, channel: str | None, user: str) -> tuple[str, str]:
    if channel is None:  # the app's own DM (its Messages tab)
        return slack.ws.dm(BOT_USER, user).id, "directmessage"
    found = slack.channel(channel)
    return found.id, found.name if not found.is_im else "directmessage"


def command(slack: FakeSlack, user: str, name: str, text: str, channel: str | None = "sig-pipelines") -> Delivery:
    """A slash command typed in a channel (by name or ID), or in the app's DM when channel is None."""
    cid, cname = _where(slack, channel, user)
    return Delivery("slash_commands", {
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": TEAM_DOMAIN, "channel_id": cid,
        "channel_name": cname, "user_id": user, "user_name": _user(slack, user)["name"], "command": name,
        "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
        "response_url": slack.issue_response_url("commands", user, cid), "trigger_id": slack.issue_trigger(user)})


def _find_element(message: dict, action_id: str, value: str | None) -> tuple[dict, dict]:
    for block in message.get("blocks") or []:
        elements = block.get("elements") if block.get("type") == "actions" else [block.get("accessory")]
        for el in elements or []:
            if el and el.get("action_id") == action_id and (value is None or el.get("value") == value):
                return block, el
    raise AssertionError(f"no {action_id} element (value {value}) on the message: a user cannot press it")


def click(slack: FakeSlack, user: str, channel: str, ts: str, action_id: str, value: str | None = None) -> Delivery:
    """A user presses a button on a message the bot posted."""
    ch = slack.channel(channel)
    assert user in ch.members, f"{user} cannot see {ch.name}"
    message = ch.messages[ts]
    block, el = _find_element(message, action_id, value)
    return Delivery("interactive", {
        "type": "block_actions", "user": _user(slack, user), "api_app_id": APP_ID, "token": "legacy",
        "container": {"type": "message", "message_ts": ts, "channel_id": ch.id, "is_ephemeral": False},
        "trigger_id": slack.issue_trigger(user), "team": {"id": TEAM, "domain": TEAM_DOMAIN},
        "enterprise": None, "is_enterprise_install": False,
        "channel": {"id": ch.id, "name": ch.name if not ch.is_im else "directmessage"},
        "message": message, "state": {"values": {}},
        "response_url": slack.issue_response_url("actions", user, ch.id),
        "actions": [{"action_id": action_id, "block_id": block["block_id"], "text": el.get("text"),
                     "value": el.get("value"), "type": el["type"], "action_ts": f"{time.time():.6f}"}]})


def submit(slack: FakeSlack, user: str, view_id: str, values: dict[str, str]) -> Delivery:
    """A user fills in the modal the bot opened and presses its submit button. values: block_id ->
    typed text, or the chosen option's value for a select. What a user could not do is refused."""
    record = slack.views.get(view_id)
    assert record is not None, f"no view {view_id} was opened"
    assert record["user"] == user, "only the person the modal was opened for can submit it"
    view = record["view"]
    state: dict[str, dict] = {}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert set(values) <= set(inputs), f"no input blocks {set(values) - set(inputs)} in the modal"
    for block_id, block in inputs.items():
        el = block["element"]
        given = values.get(block_id) or None
        if el["type"] == "static_select":
            options = {o["value"]: o for o in el["options"]}
            chosen = given if given is not None else (el.get("initial_option") or {}).get("value")
            assert chosen is None or chosen in options, f"{block_id}: {chosen!r} is not an option"
            entry = {"type": "static_select", "selected_option": options[chosen] if chosen else None}
        else:
            if given is not None and el.get("max_length"):
                assert len(given) <= el["max_length"], f"{block_id}: Slack stops typing at {el['max_length']}"
            entry = {"type": el["type"], "value": given}
        filled = entry.get("value") or entry.get("selected_option")
        assert filled or block.get("optional"), f"Slack does not submit: {block_id} is required"
        state[block_id] = {el["action_id"]: entry}
    return Delivery("interactive", {
        "type": "view_submission", "team": {"id": TEAM, "domain": TEAM_DOMAIN}, "user": _user(slack, user),
        "api_app_id": APP_ID, "token": "legacy", "trigger_id": slack.issue_trigger(user),
        "view": dict(view, state={"values": state}), "response_urls": [], "is_enterprise_install": False,
        "enterprise": None})


def shortcut(slack: FakeSlack, user: str, channel: str, ts: str, callback_id: str) -> Delivery:
    """A message shortcut used on a message in a conversation the user is in."""
    ch = slack.channel(channel)
    assert user in ch.members, f"{user} cannot see that conversation"
    return Delivery("interactive", {
        "type": "message_action", "token": "legacy", "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM, "domain": TEAM_DOMAIN}, "user": {"id": user, "name": _user(slack, user)["name"]},
        "channel": {"id": ch.id, "name": ch.name if not ch.is_im else "directmessage"},
        "is_enterprise_install": False, "enterprise": None, "callback_id": callback_id,
        "trigger_id": slack.issue_trigger(user), "message_ts": ts, "message": ch.messages[ts],
        "response_url": slack.issue_response_url("app", user, ch.id)})


def home_opened(slack: FakeSlack, user: str, tab: str = "home", event_id: str | None = None) -> Delivery:
    dm = slack.ws.dm(BOT_USER, user)
    event = {"type": "app_home_opened", "user": user, "channel": dm.id, "tab": tab, "event_ts": f"{time.time():.6f}"}
    if user in slack.home:
        event["view"] = slack.home[user]
    return Delivery("events_api", {
        "token": "legacy", "team_id": TEAM, "api_app_id": APP_ID, "event": event, "type": "event_callback",
        "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": f"4-eyJldCI6ImFwcF9ob21lX29wZW5lZCJ9-{TEAM}"})


# --- delivering --------------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: str) -> str:
    return "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


def signed_headers(secret: str | None, body: str, content_type: str, age: float = 0.0,
                   bad: bool = False) -> dict[str, str]:
    ts = str(int(time.time() - age))
    out = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
    if secret is not None:
        out["X-Slack-Signature"] = signature(secret + ("x" if bad else ""), ts, body)
    return out


def bolt_request(delivery: Delivery, secret: str | None, **kw) -> BoltRequest:
    body, ctype = delivery.http_body()
    headers = {k.lower(): [v] for k, v in signed_headers(secret, body, ctype, **kw).items()}
    return BoltRequest(body=body, headers=headers)


class Dispatch:
    """Straight into the Bolt app (no socket): Bolt's own request verification still runs."""

    def __init__(self, app, secret: str):
        self.app, self.secret = app, secret

    def send(self, delivery: Delivery, **kw) -> Answer:
        resp = self.app.dispatch(bolt_request(delivery, self.secret, **kw))
        return checked(delivery, Answer(resp.status, resp.body or ""))


class Http:
    """Signed POSTs to a running server's /slack/events, as Slack sends them."""

    def __init__(self, base_url: str, secret: str):
        self.url, self.secret = base_url.rstrip("/") + "/slack/events", secret

    def send(self, delivery: Delivery, **kw) -> Answer:
        body, ctype = delivery.http_body()
        request = urllib.request.Request(self.url, data=body.encode(), method="POST",
                                         headers=signed_headers(self.secret, body, ctype, **kw))
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return checked(delivery, Answer(resp.status, resp.read().decode()))
        except urllib.error.HTTPError as err:
            with err:
                return Answer(err.code, err.read().decode())


class Socket:
    """Envelopes over the Socket Mode double; the ack's payload is the answer."""

    def __init__(self, socket_mode):
        self.sm = socket_mode

    def send(self, delivery: Delivery, **kw) -> Answer:
        payload = self.sm.deliver(delivery.kind, delivery.payload)
        return checked(delivery, Answer(200, json.dumps(payload) if payload else ""))


def checked(delivery: Delivery, answer: Answer) -> Answer:
    answer.problems = ack_problems(delivery, answer)
    return answer
