"""Every command, button, modal, shortcut and event the manifest declares, as one community's story
told through Slack: from channels the bot has not joined, from DMs, with reused and expired
triggers, with 3,000 characters of text and emoji. Each step is judged only by what Slack saw: the
HTTP status (or the Socket Mode ack), every Web API call and response-URL post the bot made and
what Slack answered, whether the person got an answer, and how long the ack took.

Used by tests/test_bot_interactions.py (through the production server and Socket Mode) and by
bench/bot_interactions.py (which prints the figures)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.fakes import slack_requests as rq
from tests.fakes.slack import Call, FakeSlack
from tests.fakes.slack_socket import NotAcknowledged
from tests.fakes.slack_workspace import BOT_USER, OUTSIDER

LEA, HANNAH, SOFIA, MARCUS, AMELIE = "U04LFISCHER", "U04HOKAFOR1", "U04SMARTINS", "U04MLEE0001", "U04AMDURAND"
KENJI, DIEGO, WEI, PRIYA = "U04KTANAKA1", "U04DALVAREZ", "U04WZHANG01", "U04PRAMAN01"
LONG = ("Emoji 🎉 and <!here> & <@U04AMDURAND> too " * 100)[:2990] + " 🚀🚀🚀🚀🚀"  # 3,000 characters
TOKEN = LONG.replace(" ", "-")  # one word of 3,000 characters
TITLE = "Adopt Feast as the feature store <!channel> & <@U04AMDURAND>"  # markup in every message about it


@dataclass
class Outcome:
    status: int
    body: str
    ack_s: float
    calls: list[Call]
    responses: list[Call]
    ack_problems: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return rq.Answer(self.status, self.body).text

    def ok(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.ok]


@dataclass
class Step:
    name: str
    deliver: Callable[[Story], rq.Delivery]
    allowed: frozenset[str] = frozenset()  # Slack errors the bot meets and handles ("error" or "method:error")
    wait: tuple[str, ...] = ()  # follow-ups that must reach Slack: methods, "respond", or "answer" (either)
    settle: float = 0.0  # extra seconds for follow-ups that work with GitHub before calling Slack
    until: str | None = None  # wait for a message or response holding this text (slow follow-ups)
    expect: Callable[[Story, Outcome], str | None] | None = None  # a problem, or None
    event: bool = False


@dataclass
class Result:
    step: str
    problems: list[str]
    ack_s: float
    errors: list[str] = field(default_factory=list)


class Story:
    """Runs the steps through one transport (rq.Dispatch, rq.Http or rq.Socket)."""

    def __init__(self, slack: FakeSlack, transport, quiet: float = 0.25):
        self.slack, self.transport, self.quiet_s = slack, transport, quiet
        self.last: dict[str, rq.Delivery] = {}
        self.answers: dict[str, str] = {}

    # --- finding what the bot made -------------------------------------------------------------------

    def view(self, user: str, callback_id: str) -> str:
        found = [vid for vid, v in self.slack.views.items()
                 if v["user"] == user and v["view"]["callback_id"] == callback_id]
        assert found, f"no {callback_id} modal was opened for {user}"
        return found[-1]

    def message_with(self, channel: str, action_id: str, value: str | None = None) -> str:
        for m in reversed(self.slack.messages(channel)):
            for block in m.get("blocks") or []:
                els = block.get("elements") if block.get("type") == "actions" else [block.get("accessory")]
                if any(e and e.get("action_id") == action_id and value in (None, e.get("value")) for e in els or []):
                    return m["ts"]
        raise AssertionError(f"no message with {action_id} in {channel}")

    def demo_id(self) -> str:
        match = re.search(r"`([0-9a-f]{8})`", self.answers.get("demo list", ""))
        assert match, "no demo in /demo list"
        return match.group(1)

    # --- running -------------------------------------------------------------------------------------

    def run(self, step: Step) -> Result:
        n_calls, n_resp = len(self.slack.calls), len(self.slack.responses)
        try:
            delivery = step.deliver(self)
        except AssertionError as exc:
            return Result(step.name, [f"could not be sent: {exc}"], 0.0)
        self.last[step.name] = delivery
        t0 = time.perf_counter()
        try:
            answer = self.transport.send(delivery)
        except NotAcknowledged as exc:
            answer = rq.Answer(0, str(exc))
        ack_s = time.perf_counter() - t0
        time.sleep(step.settle)
        deadline = time.monotonic() + 15
        for method in step.wait:
            while time.monotonic() < deadline and not self._seen(method, n_calls, n_resp):
                time.sleep(0.02)
        while step.until and time.monotonic() < deadline and not self._said(step.until, n_calls, n_resp):
            time.sleep(0.02)
        try:
            self.slack.quiet(self.quiet_s)
        except AssertionError:
            pass
        with self.slack.lock:
            out = Outcome(answer.status, answer.body, ack_s, self.slack.calls[n_calls:],
                          self.slack.responses[n_resp:], answer.problems)
        self.answers[step.name] = out.text
        return Result(step.name, self.judge(step, out), ack_s,
                      [f"{c.method} {c.error}" for c in out.calls + out.responses if not c.ok])

    def _said(self, text: str, n_calls: int, n_resp: int) -> bool:
        with self.slack.lock:
            return any(c.ok and text in str(c.args.get("text", ""))
                       for c in self.slack.calls[n_calls:] + self.slack.responses[n_resp:])

    def _seen(self, method: str, n_calls: int, n_resp: int) -> bool:
        with self.slack.lock:
            responded = any(c.ok for c in self.slack.responses[n_resp:])
            posted = any(c.method == "chat.postMessage" and c.ok for c in self.slack.calls[n_calls:])
            if method in ("respond", "answer"):
                return responded or (method == "answer" and posted)
            return any(c.method == method and c.ok for c in self.slack.calls[n_calls:])

    def judge(self, step: Step, out: Outcome) -> list[str]:
        problems = []
        if out.status != 200:
            problems.append(f"HTTP {out.status}" if out.status else "not acknowledged")
        problems += out.ack_problems
        failed = [f"{c.method if not c.method.startswith('/hooks') else 'response_url'}: {c.error}"
                  for c in out.calls + out.responses
                  if not c.ok and c.error not in step.allowed and f"{c.method}:{c.error}" not in step.allowed]
        problems += failed
        for method in step.wait:
            if not self._seen_in(out, method):
                problems.append(f"no successful {method} after the ack")
        if step.until and not any(c.ok and step.until in str(c.args.get("text", ""))
                                  for c in out.calls + out.responses):
            problems.append(f"nothing said {step.until!r} after the ack")
        answered = (out.text or (out.body and '"response_action"' in out.body) or step.event
                    or any(c.ok for c in out.responses)
                    or out.ok("views.open") or out.ok("chat.postEphemeral") or out.ok("chat.update")
                    or out.ok("chat.postMessage") or out.ok("views.publish"))
        submission = self.last[step.name].payload.get("type") == "view_submission"
        if out.status == 200 and not answered and not submission:
            problems.append("the person got no answer")
        if step.expect and (why := step.expect(self, out)):
            problems.append(why)
        if why := no_pings(self, out):
            problems.append(why)
        return problems

    @staticmethod
    def _seen_in(out: Outcome, method: str) -> bool:
        responded = any(c.ok for c in out.responses)
        if method in ("respond", "answer"):
            return responded or (method == "answer" and bool(out.ok("chat.postMessage")))
        return bool(out.ok(method))


# --- the story ------------------------------------------------------------------------------------------


def cmd(user: str, name: str, text: str, channel: str | None = "sig-pipelines"):
    return lambda s: rq.command(s.slack, user, name, text, channel)


def reused(step_name: str, user: str, name: str, text: str):
    """The same command again with the trigger Slack already exchanged for a modal."""
    def build(s: Story) -> rq.Delivery:
        d = rq.command(s.slack, user, name, text)
        d.payload["trigger_id"] = s.last[step_name].payload["trigger_id"]
        return d
    return build


def expired(user: str, name: str, text: str):
    def build(s: Story) -> rq.Delivery:
        d = rq.command(s.slack, user, name, text)
        s.slack.age_trigger(d.payload["trigger_id"], 4.0)
        return d
    return build


def submit(user: str, callback_id: str, values: dict):
    return lambda s: rq.submit(s.slack, user, s.view(user, callback_id), values)


def click(user: str, channel: str, action_id: str, value: str | None = None, find: str | None = None):
    return lambda s: rq.click(s.slack, user, channel, s.message_with(channel, action_id, find), action_id, value)


def say_and_shortcut(author: str, user: str, channel: str | tuple[str, str], text: str,
                     callback_id: str = "mlsync_add_message"):
    def build(s: Story) -> rq.Delivery:
        if isinstance(channel, tuple):
            ch = s.slack.ws.dm(*channel)
            message = s.slack.ws.post(ch, author, text)
        else:
            ch, message = s.slack.ws.say(author, channel, text)
        return rq.shortcut(s.slack, user, ch.id, message["ts"], callback_id)
    return build


def home(user: str, tab: str = "home", event_id: str | None = None):
    return lambda s: rq.home_opened(s.slack, user, tab, event_id)


def contains(*words: str):
    def check(s: Story, out: Outcome) -> str | None:
        said = out.text + " ".join(str(c.args.get("text", "")) for c in out.responses if c.ok)
        missing = [w for w in words if w not in said]
        return f"the answer lacks {missing}: {said[:160]!r}" if missing else None
    return check


PING = re.compile(r"<[!@]")  # <!here>, <!channel>, <!everyone>, <@U...>: the bot itself never mentions anyone


def no_pings(s: Story, out: Outcome) -> str | None:
    """Every text the bot gave Slack (the ack, messages, updates, views, response-URL posts), with the
    `text` Slack uses for notifications as well as the blocks, carries people's markup escaped."""
    texts = [out.body] + [json.dumps({k: c.args.get(k) for k in ("text", "blocks", "view")})
                          for c in out.calls + out.responses]
    pinged = [m.group(0) for t in texts for m in [PING.search(t)] if m]
    return f"a mention reached Slack unescaped: {pinged}" if pinged else None


def published(times: int):
    def check(s: Story, out: Outcome) -> str | None:
        n = len(out.ok("views.publish"))
        return f"{n} views.publish calls, expected {times}" if n != times else None
    return check


DM = (HANNAH, SOFIA)  # a conversation between two people: the bot is not in it


def steps() -> list[Step]:
    S = Step
    dm = lambda s: s.slack.ws.dm(*DM).id  # noqa: E731
    return [
        # reading, from a public channel the bot has not joined
        S("rfc help", cmd(HANNAH, "/rfc", "help"), expect=contains("/rfc new")),
        S("rfc list", cmd(HANNAH, "/rfc", "list"), expect=contains("0001")),
        S("rfc list accepted", cmd(HANNAH, "/rfc", "list accepted"), expect=contains("0002")),
        S("rfc show", cmd(HANNAH, "/rfc", "show 1"), expect=contains("RFC 0001")),
        S("rfc unknown", cmd(HANNAH, "/rfc", "frobnicate"), expect=contains("/rfc help")),
        S("rfc usage", cmd(HANNAH, "/rfc", "approve"), expect=contains("usage: /rfc approve")),
        S("rfc stranger", cmd(OUTSIDER, "/rfc", "approve 1"), expect=contains("people.yaml")),
        S("mlsync help", cmd(KENJI, "/mlsync", "help"), expect=contains("*ML Sync* (`/mlsync ...`)")),
        S("mlsync agenda empty", cmd(KENJI, "/mlsync", "agenda"), expect=contains("ML Sync")),
        S("sig help", cmd(WEI, "/sig", "help"), expect=contains("*SIGs* (`/sig ...`)")),
        S("sig list", cmd(WEI, "/sig", "list"), expect=contains("sig-serving")),
        S("sig info", cmd(WEI, "/sig", "info sig-serving"), expect=contains("diego-alvarez")),
        S("sig next in Slack's zone", cmd(HANNAH, "/sig", "next sig-pipelines"), wait=(),
          expect=contains("America/Toronto")),
        S("sig next unknown", cmd(WEI, "/sig", "next sig-nope"), expect=contains("unknown SIG")),
        S("demo help", cmd(HANNAH, "/demo", "help"), expect=contains("*Community Sessions*")),
        S("demo list empty", cmd(HANNAH, "/demo", "list"), expect=contains("No demo proposed yet")),
        # the platform's clusters
        S("platform help", cmd(HANNAH, "/platform", "help"), expect=contains("/platform where SERVICE")),
        S("platform where", cmd(KENJI, "/platform", "where katib"), expect=contains("*staging-eu* (staging)")),
        S("platform cluster", cmd(WEI, "/platform", "cluster prod-eu"), expect=contains("*prod-eu*: production")),
        S("platform clusters in a DM", lambda s: rq.command(s.slack, KENJI, "/platform", "clusters", dm(s)),
          expect=contains("Your team (Search Relevance) works on")),
        S("platform usage", cmd(WEI, "/platform", "cluster"), expect=contains("usage: /platform cluster NAME")),
        # filing an RFC through its modal
        S("rfc new", cmd(LEA, "/rfc", "new"), wait=("views.open",)),
        S("rfc new, reused trigger", reused("rfc new", LEA, "/rfc", "new"),
          allowed=frozenset({"exchanged_trigger_id"}), expect=contains("this request already opened a form")),
        S("rfc new, expired trigger", expired(LEA, "/rfc", "new"), allowed=frozenset({"expired_trigger_id"}),
          expect=contains("the request expired before the form could open")),
        S("rfc new submitted", submit(LEA, "rfc_new", {"title": TITLE,
                                                       "sig": "sig-pipelines", "options": "feast\nbuild-our-own",
                                                       "summary": LONG}), until="is filed"),
        S("rfc new again", cmd(LEA, "/rfc", "new"), wait=("views.open",)),
        S("rfc new refused", submit(LEA, "rfc_new", {"title": "Bad", "sig": "sig-pipelines",
                                                     "options": "Bad Option"}),
          expect=lambda s, o: None if '"errors"' in o.body else "no errors shown in the modal"),
        S("rfc show filed", cmd(LEA, "/rfc", "show 3"), expect=contains("RFC 0003: Adopt Feast")),
        S("rfc ready", cmd(LEA, "/rfc", "ready 3 hannah-okafor"), expect=contains("review")),
        S("rfc fcp", cmd(HANNAH, "/rfc", 'fcp 3 accept feast "Adopt Feast for features."'),
          expect=contains("proposed"), wait=("chat.postMessage",)),
        S("approve button", click(SOFIA, "sig-pipelines", "rfc_approve", "3"), wait=("chat.update",),
          expect=contains("Signed off RFC 0003")),
        S("approve button again", click(SOFIA, "sig-pipelines", "rfc_approve", "3"), expect=contains("Signed off")),
        S("approve button, not an approver", click(MARCUS, "sig-pipelines", "rfc_approve", "3"),
          expect=contains("only RFC approvers")),
        S("rfc concern", cmd(SOFIA, "/rfc", "concern 3 storage-cost"), wait=("chat.update",),
          expect=contains("Concern `storage-cost` raised")),
        S("rfc concern, 3,000 characters", cmd(HANNAH, "/rfc", f"concern 3 {TOKEN} non-blocking"), settle=1.5,
          expect=contains("a concern's name is one word of at most 60")),
        S("rfc resolve", cmd(SOFIA, "/rfc", "resolve 3 storage-cost"), wait=("chat.update",),
          expect=contains("is resolved")),
        S("rfc approve, already", cmd(HANNAH, "/rfc", "approve 3"), expect=contains("Signed off RFC 0003")),
        S("rfc cancel, not allowed", cmd(MARCUS, "/rfc", "cancel 3"), expect=contains("only")),
        S("rfc list with the filing", cmd(HANNAH, "/rfc", "list"), expect=contains("0003")),
        # from direct messages
        S("rfc list in a DM", lambda s: rq.command(s.slack, HANNAH, "/rfc", "list", dm(s)), expect=contains("`0003`")),
        S("rfc approve in the app's DM", cmd(HANNAH, "/rfc", "approve 3", None), expect=contains("Signed off")),
        S("mlsync agenda in a DM", lambda s: rq.command(s.slack, SOFIA, "/mlsync", "agenda", dm(s)),
          expect=contains("*ML Sync 2026-11-24*")),
        S("rfc new in a DM", lambda s: rq.command(s.slack, HANNAH, "/rfc", "new", dm(s)), wait=("views.open",)),
        # the ML Sync
        S("mlsync add", cmd(KENJI, "/mlsync", "add Katib quotas are blocked"), expect=contains("agenda")),
        S("mlsync add, 3,000 characters", cmd(KENJI, "/mlsync", f"add {LONG}"), expect=contains("has at most 500")),
        S("mlsync add form", cmd(KENJI, "/mlsync", "add"), wait=("views.open",)),
        S("mlsync add form, reused trigger", reused("mlsync add form", KENJI, "/mlsync", "add"),
          allowed=frozenset({"exchanged_trigger_id"}), expect=contains("already opened a form")),
        S("mlsync add form submitted", submit(KENJI, "mlsync_add", {"item": "Demo volunteers for January"})),
        S("shortcut in a channel the bot has not joined",
          say_and_shortcut(SOFIA, HANNAH, "sig-pipelines", "GPU nodes go down on Saturday <!here>"),
          expect=contains("Added to the ML Sync agenda")),
        S("shortcut in a DM", say_and_shortcut(SOFIA, HANNAH, DM, "Can we discuss the quota policy?"),
          allowed=frozenset({"chat.getPermalink:channel_not_found"}),  # no link: the bot is not in that DM
          expect=contains("Added to the ML Sync agenda")),
        S("shortcut on 3,000 characters", say_and_shortcut(KENJI, HANNAH, "ml-sync", LONG),
          expect=contains("Added to the ML Sync agenda")),
        S("mlsync decision, not a host", cmd(KENJI, "/mlsync", "decision Ship it"), expect=contains("only")),
        S("mlsync decision", cmd(AMELIE, "/mlsync", "decision Katib stays beta this quarter"),
          expect=contains("Recorded the decision")),
        S("mlsync action", cmd(AMELIE, "/mlsync", "action wei-zhang Ask the cluster team for a date"),
          expect=contains("Recorded the action item")),
        S("mlsync action usage", cmd(AMELIE, "/mlsync", "action nobody x"), expect=contains("usage")),
        S("mlsync agenda", cmd(KENJI, "/mlsync", "agenda"),
          expect=contains("Katib quotas are blocked", "Demo volunteers for January", "@here")),
        S("mlsync publish", cmd(HANNAH, "/mlsync", "publish"), until="The minutes of"),
        S("mlsync publish usage", cmd(HANNAH, "/mlsync", "publish 2026-13-45"), expect=contains("usage")),
        # the Community Sessions
        S("demo propose", cmd(HANNAH, "/demo", "propose"), wait=("views.open",)),
        S("demo propose, reused trigger", reused("demo propose", HANNAH, "/demo", "propose"),
          allowed=frozenset({"exchanged_trigger_id"}), expect=contains("already opened a form")),
        S("demo propose submitted", submit(HANNAH, "demo_propose", {
            "title": "Feature store in ten minutes", "team": "ML Platform", "tools": "Feast, MLflow",
            "links": "https://git.corp.example/platform/feast-demo"}), wait=("chat.postMessage",)),
        S("demo list", cmd(HANNAH, "/demo", "list"), expect=contains("Feature store")),
        S("demo confirm, not a presenter", lambda s: rq.command(s.slack, KENJI, "/demo", f"confirm {s.demo_id()}"),
          expect=contains("only a presenter")),
        S("demo confirm", lambda s: rq.command(s.slack, HANNAH, "/demo", f"confirm {s.demo_id()}"),
          expect=contains("Confirmed")),
        S("demo recording", lambda s: rq.command(s.slack, HANNAH, "/demo",
                                                 f"recording {s.demo_id()} https://stream.corp.example/v/1"),
          wait=("answer",)),
        S("demo withdraw unknown", cmd(HANNAH, "/demo", "withdraw ffffffff"), expect=contains("no demo")),
        S("demo propose in a DM", lambda s: rq.command(s.slack, SOFIA, "/demo", "propose", dm(s)),
          wait=("views.open",)),
        S("demo propose refused", submit(SOFIA, "demo_propose", {
            "title": "Too long", "team": "Supply", "tools": "KFP", "minutes": "25", "presenters": "nobody"}),
          expect=lambda s, o: None if '"errors"' in o.body else "no errors shown in the modal"),
        # the SIGs
        S("sig join", cmd(WEI, "/sig", "join sig-serving"), wait=("answer",), expect=contains("Proposed: you join")),
        S("sig leave, not a member", cmd(WEI, "/sig", "leave sig-serving"), expect=contains("not a member")),
        S("sig skip", cmd(DIEGO, "/sig", "skip sig-serving 2026-12-10"), wait=("answer",),
          expect=contains("Proposed: skip")),
        S("sig skip, no meeting", cmd(DIEGO, "/sig", "skip sig-serving 2026-12-03"), expect=contains("does not")),
        S("sig schedule", cmd(DIEGO, "/sig", "schedule sig-serving"), wait=("chat.postMessage",),
          expect=contains("Finding the fairest times")),
        S("poll vote", click(HANNAH, "sig-serving", "sig_vote", "sig-serving|2"), wait=("chat.update",),
          expect=contains("Your vote for option 2 is counted")),
        S("poll vote again", click(KENJI, "sig-serving", "sig_vote", "sig-serving|1"), wait=("chat.update",),
          expect=contains("Your vote for option 1 is counted")),
        S("sig choose", cmd(DIEGO, "/sig", "choose sig-serving 1"), wait=("answer",),
          expect=contains("Proposed the new time")),
        S("sig choose usage", cmd(DIEGO, "/sig", "choose sig-serving 9"), expect=contains("usage")),
        S("sig schedule, not a chair", cmd(WEI, "/sig", "schedule sig-pipelines"), expect=contains("only")),
        # App Home
        S("home", home(AMELIE), event=True, wait=("views.publish",)),
        S("home, messages tab", home(HANNAH, "messages"), event=True, expect=published(0)),
        S("home, not in people.yaml", home(OUTSIDER), event=True, wait=("views.publish",)),
        S("home, first delivery", home(KENJI, event_id="EvRedelivered1"), event=True, wait=("views.publish",)),
        S("home, redelivered", home(KENJI, event_id="EvRedelivered1"), event=True, expect=published(0)),
        # requests for the platform
        S("request help", cmd(WEI, "/request", "help"), expect=contains("/request new")),
        S("request list", cmd(WEI, "/request", "list katib"), expect=contains("gpu-quota-visibility")),
        S("request show", cmd(WEI, "/request", "show feature-store"), expect=contains("feature store", "teams")),
        S("request unknown", cmd(WEI, "/request", "vote x"), expect=contains("/request help")),
        S("request support", cmd(WEI, "/request", "support feature-store"), expect=contains("now supported by")),
        S("request support again", cmd(WEI, "/request", "support feature-store"), expect=contains("already")),
        S("request new", cmd(PRIYA, "/request", "new"), wait=("views.open",)),
        S("request new submitted", submit(PRIYA, "request_new", {"title": "Spot instances for Katib trials",
                                                                 "problem": LONG, "services": "katib"}),
          until="is filed"),
        S("request support button", click(KENJI, "sig-training-tuning", "request_support"), wait=("chat.update",)),
        S("request support button again", click(KENJI, "sig-training-tuning", "request_support"),
          expect=contains("already")),
        S("request shortcut", say_and_shortcut(SOFIA, LEA, "sig-pipelines", "Could we cache PyPI wheels? <!here>",
                                               "request_message"), wait=("views.open",)),
        S("request accept, not a host", cmd(KENJI, "/request", "accept feature-store mlflow-registry-beta"),
          expect=contains("only the ML Sync hosts")),
        S("request accept", cmd(AMELIE, "/request", "accept registry-model-cards mlflow-registry-beta"),
          until="was accepted"),
        S("request decline usage", cmd(AMELIE, "/request", "decline feature-store"), expect=contains("usage")),
        # the end of the final comment period's cancel path, and a new one
        S("rfc cancel", cmd(HANNAH, "/rfc", "cancel 3"), wait=("chat.update",), expect=contains("is cancelled")),
        S("rfc fcp again, with an apostrophe", cmd(HANNAH, "/rfc", "fcp 3 postpone we don't need it yet"),
          expect=contains("proposed"), wait=("chat.update",)),
    ]


def run_all(slack: FakeSlack, transport, quiet: float = 0.25) -> list[Result]:
    story = Story(slack, transport, quiet)
    return [story.run(step) for step in steps()]


def report(results: list[Result]) -> str:
    broken = [r for r in results if r.problems]
    lines = [f"{len(results)} interactions, {len(broken)} broken"]
    lines += [f"  {r.step}: {'; '.join(r.problems)}" for r in broken]
    return "\n".join(lines)


__all__ = ["BOT_USER", "Result", "Story", "run_all", "report", "steps"]
