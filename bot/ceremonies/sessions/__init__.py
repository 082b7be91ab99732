"""The ML Community Sessions in Slack: propose a demo (a form), get a slot in the next sessions,
confirm it (only once its notebook verifies), withdraw (a standby gets the slot), and after the
session attach the recording: the demo's entry arrives in demos/ as a pull request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Callable

from bot import blocks, slash
from bot.ceremonies.sessions import commands as c
from bot.deps import Deps
from bot.jobs import Firing
from bot.mrkdwn import safe
from bot.publishing import Kind, publish_pending, register_kind
from bot.refusal import Refusal
from bot.slash import After, Ask
from mlhub import calendar
from mlhub.community.sessions import (
    MAX_DEMO_MINUTES,
    NotNow,
    Proposal,
    ProposalState,
    assign,
    confirm,
    entry,
    give,
    withdraw,
)
from mlhub.content.models import NOTEBOOK_NAME, Person
from mlhub.publish import Change
from mlhub.verify.record import Record

COMMAND = "/demo"
ACTIONS: list[str] = []
VIEWS = ["demo_propose"]
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
NS = uuid.UUID("0b8f3c2e-6c43-4f0e-9d55-2d8f1f3b7a10")
HORIZON_SESSIONS = 3
S = ProposalState


def load(deps: Deps) -> list[Proposal]:
    def one(d: dict) -> Proposal:
        return Proposal(**{**d, "presenters": tuple(d["presenters"]), "tools": tuple(d["tools"]),
                           "links": tuple(tuple(x) for x in d["links"]), "state": ProposalState(d["state"])})

    return [one(d) for d in deps.store.proposals()]


def save(deps: Deps, proposals: list[Proposal]) -> None:
    deps.store.save_proposals([dataclasses.asdict(p) | {"state": p.state.value} for p in proposals])


def confirmed_on(deps: Deps, day: dt.date) -> list[Proposal]:
    return [p for p in load(deps) if p.session == day.isoformat() and p.state is S.confirmed]


def next_sessions(deps: Deps) -> list[dt.date]:
    meeting = deps.ceremonies().community_sessions.meeting
    now = deps.clock()
    return [o.start.date() for o in calendar.occurrences(meeting, now, now + dt.timedelta(days=120))[:HORIZON_SESSIONS]]


LOCK = "demo-proposals"  # every change of the proposals holds it, with its transaction


def schedule(deps: Deps) -> list[Proposal]:
    """Assign what is queued to free slots, store, and return the proposals that got a slot now."""
    with deps.store.transaction(LOCK):
        before = {p.id: p for p in load(deps)}
        after = assign(list(before.values()), next_sessions(deps), deps.ceremonies().community_sessions.demo_slots)
        moved = [p for p in after if p != before[p.id]]
        save(deps, moved)
    return moved


def find(deps: Deps, pid: str) -> Proposal:
    found = [p for p in load(deps) if p.id.startswith(pid)] if pid else []
    if len(found) != 1:
        raise Refusal(f"no demo proposal {safe(pid, 40)!r}; see `/demo list`")
    return found[0]


def notebook_verified(deps: Deps, p: Proposal) -> str | None:
    """None when the demo may be confirmed; else why not."""
    if not p.notebook:
        return None
    rec = Record.load(deps.config.hub.state_dir / "verify", p.notebook.removesuffix(".ipynb"))
    if rec is None:
        return f"its notebook {p.notebook} has not been verified yet (`mlhub verify`)"
    if rec.status != "passed":
        cell = rec.failing_cell
        why = f"cell {cell.index} failed with {cell.error}" if cell else rec.error
        return f"its notebook {p.notebook} does not verify against today's platform: {why}"
    return None


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    if isinstance(cmd, c.Help):
        return c.HELP
    if isinstance(cmd, c.List):
        lines = [f"`{p.id[:8]}` {p.state.value:9} {p.session or '-':10} {safe(p.title)} ({safe(p.team)})"
                 for p in sorted(load(deps), key=lambda p: (p.session or "9", p.created))]
        return "\n".join(lines) or "No demo proposed yet: `/demo propose`."
    person = ask.member()
    if isinstance(cmd, c.Propose):
        return ""  # the form opens after the ack
    with deps.store.transaction(LOCK):  # the proposal as it is, changed in one step
        return change(deps, person, cmd)


def change(deps: Deps, person: Person, cmd: c.Confirm | c.Withdraw | c.Recording) -> str:
    p = find(deps, cmd.id)
    if isinstance(cmd, c.Confirm | c.Withdraw) and person.id not in p.presenters:
        raise Refusal(f"only a presenter of this demo ({', '.join(p.presenters)}) can "
                      f"{'confirm' if isinstance(cmd, c.Confirm) else 'withdraw'} it")
    if isinstance(cmd, c.Confirm):
        confirmed = _move(confirm, p)
        if why := notebook_verified(deps, p):
            raise Refusal(f"not confirmed: {why}")
        save(deps, [confirmed])
        return f"Confirmed: *{safe(p.title)}* at the session of {p.session}."
    if isinstance(cmd, c.Withdraw):
        save(deps, [_move(withdraw, p)])
        return f"Withdrawn: *{safe(p.title)}*. The slot goes to the next demo in the queue."
    hosts = deps.ceremonies().community_sessions.hosts
    if person.id not in hosts and person.id not in p.presenters:
        raise Refusal("only a host of the sessions or a presenter attaches the recording")
    given = _move(give, p)
    path, text = entry(p, cmd.url, deps.clock().date())
    deps.outbox.add(DEMO.name, {"proposal": p.id, "path": path, "text": text, "title": p.title},
                    entry_id=str(uuid.uuid5(NS, f"{p.id}:{cmd.url}")))
    save(deps, [given])
    return f"Thanks! The entry for *{safe(p.title)}* goes to demos/ as a pull request; I'll tell you its link."


def _move(move: Callable[[Proposal], Proposal], p: Proposal) -> Proposal:
    try:
        return move(p)
    except NotNow as exc:
        raise Refusal(str(exc)) from None


def tell_scheduled(deps: Deps, client, moved: list[Proposal]) -> None:
    for p in moved:
        for presenter in p.presenters:
            person = deps.hub().person(presenter)
            if person and p.session:
                client.chat_postMessage(channel=person.slack_id,
                                        text=f"A slot opened: *{safe(p.title)}* is scheduled on {p.session}. "
                                             f"Confirm with `/demo confirm {p.id[:8]}`.")


def _entry_change(e) -> Change:
    branch = "demo/" + e.payload["path"].removeprefix("demos/").removesuffix(".md")
    return Change(branch=branch, files={e.payload["path"]: e.payload["text"]},
                  message=f"Demo: {e.payload['title']}", title=f"Demo: {e.payload['title']}",
                  body="Added by the mlhub bot after the ML Community Session.", labels=["demo"])


DEMO = register_kind(Kind("demo", lambda e: f"The demo entry for {e.payload['title']}", "`/demo recording`",
                     change=_entry_change))


def publish_entries(deps: Deps, after: After, cmd: c.Recording) -> None:
    publish_pending(deps, after.say, DEMO.name)


# --- the proposal form ------------------------------------------------------------------------------------


def _value(view: dict, block: str) -> str:
    return ((view["state"]["values"].get(block, {}).get("value", {}).get("value")) or "").strip()


def submission(deps: Deps, person: Person | None, view: dict) -> dict:
    """Validate and store a proposal (and give it a slot); errors by block, empty when stored."""
    if person is None:
        return {"title": slash.NOT_A_MEMBER}
    hub, errors = deps.hub(), {}
    title, team = _value(view, "title"), _value(view, "team")
    presenters = [x.strip().lstrip("@") for x in (_value(view, "presenters") or person.id).split(",") if x.strip()]
    tools = [x.strip() for x in _value(view, "tools").split(",") if x.strip()]
    minutes = _value(view, "minutes") or str(MAX_DEMO_MINUTES)
    notebook = _value(view, "notebook") or None
    links = [u.strip() for u in _value(view, "links").replace(",", "\n").splitlines() if u.strip()]
    if bad := [u for u in links if not u.startswith(("https://", "http://"))]:
        errors["links"] = f"links are http(s) URLs, one per line: {', '.join(bad)}"[:300]
    if not title or len(title) > 120:
        errors["title"] = "give a title of 1 to 120 characters"
    if not team:
        errors["team"] = "which team presents?"
    if unknown := [x for x in presenters if hub.person(x) is None]:
        errors["presenters"] = f"unknown people: {', '.join(unknown)} (GitHub logins from people.yaml)"[:300]
    if not tools:
        errors["tools"] = "name at least one tool or platform shown"
    if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_DEMO_MINUTES:
        errors["minutes"] = f"a demo lasts 1 to {MAX_DEMO_MINUTES} minutes (plus 5 of questions)"
    if notebook and not re.fullmatch(NOTEBOOK_NAME, notebook):
        errors["notebook"] = ("the notebook is a file name in demos/, such as feast-demo.ipynb: lower-case letters, "
                              "digits and dashes, ending in .ipynb")
    elif notebook and not (deps.config.hub.root / "demos" / notebook).is_file():
        errors["notebook"] = f"no notebook demos/{notebook} in the repository"[:300]
    if errors:
        return errors
    p = Proposal(id=str(uuid.uuid5(NS, view["id"])), title=title, team=team, presenters=tuple(presenters),
                 tools=tuple(tools), minutes=int(minutes), notebook=notebook,
                 links=tuple((u.rsplit("/", 1)[-1] or u, u) for u in links), created=deps.clock().isoformat())
    with deps.store.transaction(LOCK):
        if not any(x.id == p.id for x in load(deps)):
            save(deps, [p])
            schedule(deps)  # the slot is part of what the ack promises
    return {}


def reminder(deps: Deps, firing: Firing) -> str:
    demos = confirmed_on(deps, firing.local.date())
    listed = "".join(f"\n• {safe(p.title)} ({safe(p.team)}; {', '.join(p.presenters)})" for p in demos)
    return f"Reminder: *{firing.title}* on {firing.when}." + (
        listed or "\nNo demo confirmed yet: propose one with `/demo propose`.")


def register(app, deps: Deps) -> None:
    deps.commands.add(COMMAND, c.parse, run, {
        c.Propose: lambda d, after, cmd: after.open_modal(blocks.demo_modal(MAX_DEMO_MINUTES), "/demo propose"),
        c.Withdraw: lambda d, after, cmd: tell_scheduled(d, after.client, schedule(d)),
        c.Recording: publish_entries}, changes=(c.Confirm, c.Withdraw, c.Recording))

    def on_submit(ack, body, context):
        errors = submission(deps, context.get("person"), body["view"])
        return ack(response_action="errors", errors=errors) if errors else ack()

    def after_submit(body, client):
        pid = str(uuid.uuid5(NS, body["view"]["id"]))
        for p in load(deps):
            if p.id == pid:
                where = f"scheduled on {p.session}" if p.session else "in the queue (all slots are taken)"
                client.chat_postMessage(channel=body["user"]["id"],
                                        text=f"*{safe(p.title)}* is {where}. Confirm with `/demo confirm {p.id[:8]}`.")

    app.view("demo_propose")(ack=on_submit, lazy=[after_submit])
    deps.jobs.post("reminder", "community-sessions")(reminder)
