"""Registering the hub's webhook on an MLflow server, once (a second call updates it)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # mlflow is imported only when the webhook is registered
    from mlflow.entities.webhook import WebhookEvent, WebhookEventStr

EVENTS: list[WebhookEventStr | WebhookEvent] = [
    "registered_model.created", "model_version.created", "model_version_tag.set", "model_version_alias.created"]
NAME = "mlhub"


class ConnectError(Exception):
    pass


def connect(tracking_uri: str, url: str, secret: str, embedded: bool) -> str:
    """Create or update the webhook named `mlhub`; returns what was done, for the user."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    target = urlparse(url)
    if target.scheme not in ("http", "https") or not target.hostname:
        raise ConnectError(f"--url must be an http(s) URL, got {url!r}")
    if embedded and target.hostname not in ("127.0.0.1", "localhost"):
        raise ConnectError("on the embedded MLflow server the webhook may only point at 127.0.0.1")
    if not embedded and target.scheme != "https":
        raise ConnectError("a production MLflow server delivers webhooks over https only: give an https --url")
    if len(secret) < 16:
        raise ConnectError("MLHUB_WEBHOOK_SECRET must be at least 16 characters")
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        existing = [w for w in client.list_webhooks() if w.name == NAME]
        if existing:
            client.update_webhook(existing[0].webhook_id, url=url, events=EVENTS, secret=secret, status="ACTIVE")
            return f"updated webhook {existing[0].webhook_id} -> {url}"
        hook = client.create_webhook(NAME, url, EVENTS, description="Registry events to the ML community hub",
                                     secret=secret)
        return f"created webhook {hook.webhook_id} -> {url}"
    except MlflowException as exc:
        raise ConnectError(f"MLflow refused the webhook: {exc.message}") from None
