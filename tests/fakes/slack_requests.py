"""Signed requests as Slack sends them: slash commands, block actions, view submissions, events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

from slack_bolt import BoltRequest


def signature(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def headers(secret: str | None, body: str, content_type: str, age: float = 0.0,
            bad: bool = False) -> dict[str, list[str]]:
    ts = str(int(time.time() - age))
    out = {"content-type": [content_type], "x-slack-request-timestamp": [ts]}
    if secret is not None:
        sig = signature(secret + ("x" if bad else ""), ts, body)
        out["x-slack-signature"] = [sig]
    return out


def command(secret, user: str, text: str, command: str = "/rfc", **kw) -> BoltRequest:
    body = urlencode({"token": "legacy", "team_id": "T1", "channel_id": "C0TEST", "user_id": user,
                      "command": command, "text": text, "trigger_id": f"trig-{time.time_ns()}",
                      "response_url": "http://127.0.0.1:9/response"})
    return BoltRequest(body=body, headers=headers(secret, body, "application/x-www-form-urlencoded", **kw))


def _payload(secret, payload: dict, **kw) -> BoltRequest:
    body = urlencode({"payload": json.dumps(payload)})
    return BoltRequest(body=body, headers=headers(secret, body, "application/x-www-form-urlencoded", **kw))


def action(secret, user: str, action_id: str, value: str, channel: str = "C0SIG", **kw) -> BoltRequest:
    return _payload(secret, {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
        "trigger_id": f"trig-{time.time_ns()}", "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
        "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button",
                     "action_ts": str(time.time())}],
        "response_url": "http://127.0.0.1:9/response"}, **kw)


def view_submission(secret, user: str, callback_id: str, values: dict, view_id: str = "V1", **kw) -> BoltRequest:
    """values: {block_id: text or ('select', value)}."""
    state = {}
    for block, value in values.items():
        if isinstance(value, tuple):
            state[block] = {"value": {"type": "static_select", "selected_option": {"value": value[1]}}}
        else:
            state[block] = {"value": {"type": "plain_text_input", "value": value}}
    return _payload(secret, {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
        "trigger_id": f"trig-{time.time_ns()}",
        "view": {"id": view_id, "type": "modal", "callback_id": callback_id, "state": {"values": state},
                 "private_metadata": "", "hash": "h"}}, **kw)


def event(secret, event: dict, event_id: str, **kw) -> BoltRequest:
    body = json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event})
    return BoltRequest(body=body, headers=headers(secret, body, "application/json", **kw))
