"""Slash commands, parsed then executed. The text is parsed once into a typed command object (or a
Refusal); the ack listener executes it and answers at once; what must talk to Slack or GitHub
afterwards (opening a form, the live FCP message, pull requests) is handed to a pool of follow-up
threads, which tells the person how it went through the command's response URL. Bolt's lazy
listeners would do the same after re-dispatching a deep copy of the request, which costs five
times a whole command (bench/bot.py); the one listener is class-based, which Bolt hands the request
without building every listener argument."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.listener import Listener
from slack_bolt.listener_matcher import ListenerMatcher
from slack_sdk.errors import SlackApiError

from bot import delivery
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
    answered: bool = True  # the ack already said something

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
    unanswered: frozenset[type] = frozenset()  # follow these up only when the ack said nothing
    changes: frozenset[type] = frozenset()  # commands that change live state: keyed, answered once


class Known(ListenerMatcher):
    """Matches a slash command the bot knows (any other is Bolt's 404)."""

    def __init__(self, table: dict[str, Slash]):
        self.table = table

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return req.body.get("command") in self.table


class SlashListener(Listener):
    """Every slash command behind one Bolt listener, matched and run with what the request holds:
    Bolt's own listeners build every listener argument (a dozen payload views) once to match and
    again to run, which cost more than most commands."""

    def __init__(self, table: dict[str, Slash], answer: Callable[..., BoltResponse]):
        self.matchers, self.middleware = [Known(table)], []
        self.ack_function, self.lazy_functions, self.auto_acknowledgement = answer, [], False

    def run_ack_function(self, *, request: BoltRequest, response: BoltResponse) -> BoltResponse | None:
        context = request.context
        return self.ack_function(context.ack, context, request.body, context.client, context.respond)


class Commands:
    """Every slash command of the bot behind one listener; follow-ups on a pool of threads."""

    def __init__(self, app, deps, threads: int = 16):
        self.table: dict[str, Slash] = {}
        self.deps = deps
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="mlhub-follow-up")
        app._listeners.append(SlashListener(self.table, self.answer))  # Bolt has no public way to add a Listener

    def add(self, name: str, parse: Callable[[str], Any], run: Run, follow: dict[type, Follow],
            unanswered: frozenset[type] = frozenset(), changes: tuple[type, ...] = ()) -> None:
        """parse(text) -> a command object; run it in the ack; follow[type of it] after the ack
        (for the types in `unanswered`, only when run() answered nothing: it needed Slack first).
        The types in `changes` run once per request (bot.delivery): a redelivery gets the first
        answer, and no follow-up (the first delivery's, or the next change's, does that work)."""
        self.table[name] = Slash(parse, run, follow, unanswered, frozenset(changes))

    def answer(self, ack, context, body, client, respond):
        slash = self.table[body["command"]]
        try:
            cmd = slash.parse(body.get("text") or "")
            ask = Ask(body["user_id"], context.get("person"), body.get("channel_id", ""))
            if type(cmd) in slash.changes:
                first = delivery.once(self.deps.store, delivery.command_key(body),
                                      lambda: slash.run(self.deps, ask, cmd))
                if first.replayed:
                    return ack(response_type="ephemeral", text=first.text) if first.text else ack()
                text = first.raise_refusal()
            else:
                text = slash.run(self.deps, ask, cmd)
        except Refusal as exc:
            return ack(response_type="ephemeral", text=str(exc))
        follow = slash.follow.get(type(cmd))
        if follow is not None and not (text and type(cmd) in slash.unanswered):
            after = After(client, respond, body, ask, answered=bool(text))
            self.pool.submit(guarded, after, lambda: follow(self.deps, after, cmd))
        return ack(response_type="ephemeral", text=text) if text else ack()
