"""MLflow Model Registry webhooks into the community: verify MLflow's signature, drop replays,
post the event in the owning SIG's channel, and put new champions on the next ML Sync agenda."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import quote

from slack_sdk.errors import SlackApiError

from bot.channels import unsure
from bot.deps import Deps
from bot.mrkdwn import safe
from bot.refusal import Refusal
from mlhub import calendar, registry

COMMAND = None
ACTIONS: list[str] = []
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
PATH = "/mlflow/webhook"
MAX_AGE = 300  # seconds a delivery may be old, as Slack does for its own requests
LEASE = dt.timedelta(seconds=60)  # a claim to post a delivery: far longer than a post with the client's retries
EVENTS_SUBSCRIBED = ["registered_model.created", "model_version.created", "model_version_tag.set",
                     "model_version_alias.created"]

log = logging.getLogger("mlhub.bot.registry")


def signature(secret: str, delivery_id: str, timestamp: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), f"{delivery_id}.{timestamp}.{payload}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict, body: str, now: float) -> str | None:
    """None if the delivery is genuine and fresh; else why it is refused."""
    h = {k.lower(): v for k, v in headers.items()}
    delivery, stamp, sig = h.get("x-mlflow-delivery-id"), h.get("x-mlflow-timestamp"), h.get("x-mlflow-signature")
    if not (delivery and stamp and sig):
        return "missing X-MLflow-Delivery-Id, X-MLflow-Timestamp or X-MLflow-Signature"
    if not stamp.isdigit() or abs(now - int(stamp)) > MAX_AGE:
        return "stale or invalid timestamp"
    if not secret or not hmac.compare_digest(signature(secret, delivery, stamp, body), sig):
        return "bad signature"
    return None


def _link(deps: Deps, name: str, version: str | None) -> str:
    base = deps.config.hub.mlflow_tracking_uri
    if not base or not base.startswith("http"):
        return ""
    target = f"{base.rstrip('/')}/#/models/{quote(name, safe='')}" + (
        f"/versions/{quote(version, safe='')}" if version else "")
    return f" · <{target}|open in MLflow>"


def describe(event: str, data: dict, escape: Callable[[str, int], str] = safe) -> str:
    """The event in a line of mrkdwn; with escape=_raw, as stored for the agenda (escaped when shown)."""
    def e(key: str, limit: int = 200) -> str:
        return escape(str(data.get(key, "?")), limit)

    name, version = e("name"), e("version", 40)
    if event == "registered_model.created":
        return f"New registered model `{name}`"
    if event == "model_version.created":
        run = f" from run `{e('run_id', 100)}`" if data.get("run_id") else ""
        return f"Model `{name}` has a new version *{version}*{run}"
    if event == "model_version_tag.set":
        return f"Model `{name}` version {version}: tag `{e('key')}` = `{e('value', 500)}`"
    if event == "model_version_alias.created":
        return f"Model `{name}`: alias *{e('alias')}* now points at version {version}"
    return f"Registry event {escape(event, 100)} on `{name}`"


def _raw(text: str, limit: int) -> str:
    return text[:limit]


def _malformed(data: dict) -> str | None:
    """Why the fields the bot reads are unusable, or None."""
    if not isinstance(data.get("name"), str) or not data["name"]:
        return "data.name is not a model name (a string)"
    if not isinstance(data.get("version"), str | int | None):
        return "data.version is not a version (a string or a number)"
    if not isinstance(data.get("tags") or {}, dict):
        return "data.tags is not an object"
    return None


def handle(deps: Deps, client, headers: dict, body: str, now: float) -> tuple[int, str]:
    """One delivery: (HTTP status, text). MLflow retries on 429 and 5xx with the same delivery id."""
    refusal = verify(deps.config.webhook_secret.reveal(), headers, body, now)
    if refusal:
        log.warning("refused an MLflow delivery: %s", refusal)
        return 401, refusal
    delivery = {k.lower(): v for k, v in headers.items()}["x-mlflow-delivery-id"]
    seen = deps.store.registry_event(delivery)
    if seen and seen["notified"]:
        return 200, "duplicate delivery: already handled"
    if not seen:
        try:
            message = json.loads(body)
            event, data = f"{message['entity']}.{message['action']}", dict(message["data"])
        except (ValueError, KeyError, TypeError):
            return 400, "not an MLflow webhook payload"
        if why := _malformed(data):
            return 400, f"not an MLflow webhook payload: {why}"
        hub = deps.hub()
        version = None if data.get("version") is None else str(data["version"])
        sig = registry.owner(hub, data["name"], data.get("tags") or {})
        channel = sig.slack_channel if sig else deps.config.fallback_channel
        text = describe(event, data) + _link(deps, data["name"], version)
        if sig is None:
            text += " (no SIG owns this model: add a `registry` route in community/sigs.yaml)"
        agenda = None
        if event == "model_version_alias.created" and hub.ceremonies:
            nxt = calendar.next_occurrence(hub.ceremonies.ml_sync.meeting, deps.clock())
            if nxt:
                agenda = {"key": f"registry:{delivery}", "ceremony": "ml-sync", "source": "registry",
                          "meeting_date": nxt.start.date().isoformat(),
                          "text": describe(event, data, _raw) + (f" ({sig.name})" if sig else "")}
        deps.store.add_registry_event(delivery, event, body, channel, text, agenda)  # before answering
        seen = deps.store.registry_event(delivery)
        assert seen is not None, "stored just above"
    # Claimed for a lease, marked posted only after Slack answered: if this process dies while
    # posting, MLflow's retry is told to come back and, once the lease ran out, takes it over.
    taken = deps.store.claim_notification(delivery, LEASE)
    if not taken.mine:
        if (deps.store.registry_event(delivery) or {}).get("notified"):
            return 200, "duplicate delivery: already handled"
        return 503, "stored; another delivery of it is being posted, retry"
    try:
        posted = deps.channels.post_claimed(client, f"registry:{delivery}", seen["channel"].lstrip("#"), seen["text"],
                                            since=taken.since)  # a dead owner's post is found, not repeated
    except (SlackApiError, Refusal, OSError) as exc:  # Slack down: MLflow retries; the stored event is posted then
        deps.store.release_notification(delivery, unsure=unsure(exc, taken.since))
        log.warning("could not post registry event %s: %s", delivery, exc)
        return 503, "stored; posting to Slack failed, retry"
    deps.store.posted_notification(delivery, posted.get("ts"))
    return 200, "ok"


def register(app, deps: Deps) -> None:
    """Registry events arrive over plain HTTP, not from Slack: see routes()."""


def routes(app, deps: Deps) -> dict:
    # A signature's freshness is checked against the wall clock, as Bolt checks Slack's requests:
    # it guards the transport, not the ceremonies' time.
    return {PATH: lambda headers, body: handle(deps, app.client, headers, body, time.time())}
