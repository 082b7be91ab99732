"""Idempotency from the request: each state-changing request's key, derived from what Slack
delivered (a redelivery, an X-Slack-Retry-Num retry or a client's retry carries the same body),
and its first answer, stored with the change in one transaction (Store.once): a redelivery, to
any replica, gets the first answer and changes nothing. An event's id is recorded once its
handling succeeded (event_listener), so Slack's retry redoes what failed or was killed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.refusal import Refusal


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:48]


def command_key(body: dict) -> str:
    """A slash command: Slack gives no delivery id, so its content and the single-use trigger."""
    return "cmd:" + _digest(body.get("command"), body.get("text"), body.get("user_id"), body.get("channel_id"),
                            body.get("trigger_id"))


def view_key(body: dict) -> str:
    """A form submission: the view's id and what was typed (a corrected resubmission of the same
    view, after the bot pointed at an error, is a new request)."""
    view = body.get("view") or {}
    return "view:" + _digest(view.get("id"), json.dumps(view.get("state"), sort_keys=True))


def action_key(body: dict) -> str:
    """A button pressed: each press has its own trigger."""
    action = (body.get("actions") or [{}])[0]
    return "act:" + _digest(body.get("trigger_id"), action.get("action_id"), action.get("value"),
                            (body.get("user") or {}).get("id"))


@dataclass(frozen=True)
class Answer:
    text: str
    refused: bool = False
    replayed: bool = False  # the first delivery's answer, given again

    def raise_refusal(self) -> str:
        """The text, or the Refusal it was (for callers that answer refusals their own way)."""
        if self.refused:
            raise Refusal(self.text)
        return self.text


def _refusal(exc: Exception) -> str | None:
    return json.dumps({"text": str(exc), "refused": True}) if isinstance(exc, Refusal) else None


def once(store, key: str, work: Callable[[], str]) -> Answer:
    """Run work with the request's key; a Refusal is an answer too (what work wrote is undone, and
    the refusal is stored with the key before a redelivery can run: Store.once)."""
    raw, replayed = store.once(key, lambda: json.dumps({"text": work()}), _refusal)
    data = json.loads(raw)
    return Answer(data["text"], bool(data.get("refused")), replayed)


def event_listener(store, handle: Callable[[dict, Any], None]) -> Callable[[dict, dict, Any], None]:
    """An Events API listener that records the event's id after `handle` succeeded, before Slack
    gets its answer (the app processes before responding). An exception, or a process killed
    mid-way, leaves it unrecorded: Slack retries the event (X-Slack-Retry-Num, same event_id) and the
    retry handles it; once recorded, bot.app's middleware drops every redelivery. A kill between
    the effect and the record redoes the effect on the retry: handlers are written to be repeatable
    (App Home publishes the same view again)."""
    def listener(body: dict, event: dict, client: Any) -> None:
        handle(event, client)
        if body.get("event_id"):
            store.first_delivery(body["event_id"])
    return listener
