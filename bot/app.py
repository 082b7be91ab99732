"""The app factory: a real Bolt App, its WebClient (retrying rate limits and server errors, in
follow-ups only), the cross-cutting middleware (redeliveries, the person resolved once), and
every ceremony registered on it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.middleware.authorization.single_team_authorization import SingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DBAPIError

from bot.ceremonies import MODULES
from bot.deps import Deps
from bot.publishing import retry_due
from bot.slash import Commands

log = logging.getLogger("mlhub.bot")


def web_client(token: str, base_url: str) -> WebClient:
    client = WebClient(token=token, base_url=base_url)
    client.retry_handlers = [ConnectionErrorRetryHandler(max_retry_count=2),
                             RateLimitErrorRetryHandler(max_retry_count=3),
                             ServerErrorRetryHandler(max_retry_count=2)]
    return client


class Requests(Middleware):
    """What every request needs before a listener: a redelivered event that was handled is
    dropped, and the person who asked is resolved once, into the context (None when they
    are not in people.yaml). Class-based: Bolt passes it the request without building arguments."""

    def __init__(self, deps: Deps):
        self.deps = deps

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        # recorded by its listener once handled (bot.delivery.event_listener): a retry of an event
        # whose handling failed or was killed gets here again and is handled
        if event_id and self.deps.store.event_handled(event_id):
            log.info("event %s already handled; ignoring the redelivery", event_id)
            return BoltResponse(status=200, body="")
        req.context["person"] = self.deps.person(req.context.user_id)
        return next()


def create_app(deps: Deps) -> App:
    cfg = deps.config
    app = App(
        client=web_client(cfg.bot_token.reveal(), cfg.api_url),
        signing_secret=cfg.signing_secret.reveal(),
        # The ack listener answers Slack when it returns; work that talks to Slack or GitHub runs
        # after it: slash commands' follow-ups on a thread pool (bot.slash), interactions' and
        # events' in lazy listeners.
        process_before_response=True,
        token_verification_enabled=False,  # no auth.test at start: the token is checked on first use
        logger=log,
    )

    app.middleware(Requests(deps))
    deps.commands = Commands(app, deps)  # the slash commands' listeners come first: they are the hot path
    for module in MODULES:
        module.register(app, deps)
    deps.jobs.every_tick(retry_due)  # what GitHub refused once is tried again, backing off

    @app.error
    def on_error(error, body, logger):
        if isinstance(error, DBAPIError):
            return store_unavailable(error, body, logger)
        logger.exception("listener failed: %s", error)
        return BoltResponse(status=500, body="")

    return app


STORE_DOWN = ("The bot cannot reach its store right now, so nothing was recorded. "
              "Please try again in a minute.")


def store_unavailable(error: DBAPIError, body: dict, logger) -> BoltResponse:
    """The store is down (a database restart, a network cut): nothing was recorded, and the person
    is told so. A command gets the answer in place; an interaction on a message hears it through
    its response URL; Slack redelivers an event that was answered with an error."""
    logger.error("the store is unavailable (%s): the request was refused, nothing recorded",
                 type(error.orig or error).__name__)
    if body.get("command"):
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": STORE_DOWN}),
                            headers={"content-type": "application/json"})
    if body.get("type") == "view_submission":
        return BoltResponse(status=200, body=json.dumps({"response_action": "update", "view": {
            "type": "modal", "title": {"type": "plain_text", "text": "Not recorded"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": STORE_DOWN}}]}}),
            headers={"content-type": "application/json"})
    if url := body.get("response_url"):
        try:
            WebhookClient(url).send(text=STORE_DOWN, response_type="ephemeral", replace_original=False)
        except Exception as exc:  # noqa: BLE001 - the person may not hear it; the log says so
            logger.error("could not tell the person: %s", exc)
        return BoltResponse(status=200, body="")
    return BoltResponse(status=503, body="")  # events: Slack delivers them again


def prime(app: App) -> bool:
    """Ask Slack who the bot is (auth.test) when a server process starts, instead of inside the first
    request's ack. On failure (a bad token says not_authed or invalid_auth) it is logged and the
    first request asks again."""
    for middleware in app._middleware_list:  # Bolt keeps the answer in this middleware only
        if isinstance(middleware, SingleTeamAuthorization) and not middleware.auth_test_result:
            try:
                middleware.auth_test_result = app.client.auth_test()
            except SlackApiError as exc:
                log.error("auth.test failed: %s; check SLACK_BOT_TOKEN", exc.response.get("error"))
                return False
    return True
