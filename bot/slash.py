"""Slash commands, parsed then executed. The text is parsed once into a typed command object (or a
Refusal); the ack listener executes it and answers at once; only commands that must talk to
Slack or GitHub afterwards go to the listener with a lazy listener (a lazy listener costs a copy
of the request and a thread, more than most commands), which tells the person how it went through
the command's response URL. The routing is class-based listener middleware: unlike function
middleware and matchers, Bolt hands it the request without building every listener argument."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk.errors import SlackApiError

from bot.refusal import Refusal
from mlhub.content.models import Person
from mlhub.publish import PublishError

log = logging.getLogger("mlhub.bot")
NOT_A_MEMBER = ("I don't know you yet: add yourself to community/people.yaml with your Slack member id "
                "(`slack_id`), then try again.")


@dataclass(frozen=True)
class Ask:
    """Who asked, from where."""

    user: str
    person: Person | None
    channel: str

    def member(self) -> Person:
        if self.person is None:
            raise Refusal(NOT_A_MEMBER)
        return self.person


@dataclass
class After:
    """What a follow-up gets: Slack's client, the way back to the person, the request's body."""

    client: Any
    respond: Callable[..., Any]
    body: dict
    ask: Ask

    def say(self, text: str) -> None:
        """A private answer to the person, through the response URL."""
        self.respond(text=text, response_type="ephemeral", replace_original=False)

    def open_modal(self, view: dict, again: str) -> None:
        """Open a form with the request's trigger; when Slack refuses, say why and what to type."""
        try:
            self.client.views_open(trigger_id=self.body["trigger_id"], view=view)
        except SlackApiError as exc:
            error = exc.response.get("error")
            why = {"expired_trigger_id": "the request expired before the form could open",
                   "exchanged_trigger_id": "this request already opened a form",
                   "invalid_trigger_id": "Slack did not recognise the request"}.get(error, f"Slack said {error}")
            self.say(f"The form did not open: {why}. Type `{again}` again.")


Run = Callable[[Any, Ask, Any], str]  # (deps, ask, command) -> the answer ("" when a modal opens)
Follow = Callable[[Any, After, Any], None]  # (deps, after, command)


def guarded(after: After, work: Callable[[], None]) -> None:
    """Run a follow-up; tell the person when it fails instead of failing silently."""
    try:
        work()
    except Refusal as exc:
        after.say(str(exc))
    except (PublishError, SlackApiError) as exc:
        log.warning("follow-up of %s failed: %s", after.body.get("command"), exc)
        after.say(f"Your request is stored, but what comes after it failed: {exc}. It is retried on the next "
                  "change, or with `mlhub outbox retry`.")


@dataclass(frozen=True)
class Slash:
    parse: Callable[[str], Any]
    run: Run
    follow: dict[type, Follow]


class Route(Middleware):
    """Lets a slash command through to a listener only if the command does (or does not) need a
    follow-up; the parsed command (or the refusal) stays in the context for the listener."""

    def __init__(self, table: dict[str, Slash], with_follow_up: bool):
        self.table, self.with_follow_up = table, with_follow_up

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        slash = self.table.get(req.body.get("command", ""))
        if slash is None:
            return None  # not a command the bot knows: Bolt answers 404
        req.context["slash"] = slash
        if (type(parsed(req.context, req.body)) in slash.follow) == self.with_follow_up:
            return next()
        return None  # the other listener's


def parsed(context, body) -> Any:
    if "command" not in context and "refusal" not in context:
        try:
            context["command"] = context["slash"].parse(body.get("text") or "")
        except Refusal as exc:
            context["refusal"] = str(exc)
    return context.get("command")


class Commands:
    """Every slash command of the bot behind two listeners: one answers in the ack only, the other
    also has the lazy follow-up. Each request costs Bolt two listener checks, whichever command it
    is (Bolt builds every listener argument for each listener it checks)."""

    def __init__(self, app, deps):
        self.table: dict[str, Slash] = {}
        self.deps = deps
        every = re.compile(r"^/")
        app.command(every, middleware=[Route(self.table, with_follow_up=False)])(self.answer)
        app.command(every, middleware=[Route(self.table, with_follow_up=True)])(ack=self.answer, lazy=[self.after])

    def add(self, name: str, parse: Callable[[str], Any], run: Run, follow: dict[type, Follow]) -> None:
        """parse(text) -> a command object; run it in the ack; follow[type of it] after the ack."""
        self.table[name] = Slash(parse, run, follow)

    @staticmethod
    def _ask(context, body) -> Ask:
        return Ask(body["user_id"], context.get("person"), body.get("channel_id", ""))

    def answer(self, ack, context, body):
        cmd = parsed(context, body)
        if cmd is None:
            return ack(response_type="ephemeral", text=context["refusal"])
        try:
            text = context["slash"].run(self.deps, self._ask(context, body), cmd)
        except Refusal as exc:
            context["refused"] = True
            return ack(response_type="ephemeral", text=str(exc))
        return ack(response_type="ephemeral", text=text) if text else ack()

    def after(self, context, body, client, respond):
        if context.get("refused"):
            return
        cmd = context["command"]
        step = After(client, respond, body, self._ask(context, body))
        guarded(step, lambda: context["slash"].follow[type(cmd)](self.deps, step, cmd))
