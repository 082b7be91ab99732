"""The ML Community Sessions in Slack: propose a demo (a form), get a slot in the next sessions,
confirm it (only once its notebook verifies), withdraw (a standby gets the slot), and after the
session attach the recording: the demo's entry arrives in demos/ as a pull request."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
import uuid

from bot.deps import Deps
from bot.publishing import publish_pending
from mlhub import calendar
from mlhub.community.sessions import MAX_DEMO_MINUTES, Proposal, assign, entry
from mlhub.publish import Change
from mlhub.publish.outbox import Outbox
from mlhub.verify.record import Record

COMMANDS = ["/demo"]
ACTIONS: list[str] = []
VIEWS = ["demo_propose"]
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
NS = uuid.UUID("0b8f3c2e-6c43-4f0e-9d55-2d8f1f3b7a10")
HORIZON_SESSIONS = 3

HELP = """*Community Sessions* (`/demo ...`)
• `/demo propose`: propose a demo (at most 10 minutes plus 5 of questions)
• `/demo list`: the queue and the next sessions
• `/demo confirm ID` · `/demo withdraw ID`: a presenter confirms or gives up the slot
• `/demo recording ID URL`: after the session, a host or presenter attaches the recording; the demo's
entry in demos/ arrives as a pull request"""
USAGE = {"confirm": "usage: /demo confirm ID", "withdraw": "usage: /demo withdraw ID",
         "recording": "usage: /demo recording ID URL"}


class Refusal(Exception):
    pass


def _load(deps: Deps) -> list[Proposal]:
    def one(d):
        return Proposal(**{**d, "presenters": tuple(d["presenters"]), "tools": tuple(d["tools"]),
                           "links": tuple(tuple(x) for x in d["links"])})

    return [one(d) for d in deps.store.proposals()]


def _save(deps: Deps, proposals: list[Proposal]) -> None:
    deps.store.save_proposals([dataclasses.asdict(p) for p in proposals])


def confirmed_on(deps: Deps, day: dt.date) -> list[Proposal]:
    return [p for p in _load(deps) if p.session == day.isoformat() and p.state == "confirmed"]


def next_sessions(deps: Deps) -> list[dt.date]:
    hub = deps.hub()
    cs = hub.ceremonies.community_sessions
    occ = calendar.occurrences(cs.meeting, deps.clock(), deps.clock() + dt.timedelta(days=120))
    return [o.start.date() for o in occ[:HORIZON_SESSIONS]]


def schedule(deps: Deps) -> list[Proposal]:
    """Assign what is queued to free slots, store, and return the proposals that got a slot now."""
    hub = deps.hub()
    before = {p.id: p for p in _load(deps)}
    after = assign(list(before.values()), next_sessions(deps), hub.ceremonies.community_sessions.demo_slots)
    moved = [p for p in after if p != before[p.id]]
    _save(deps, moved)
    return moved


def _find(deps: Deps, pid: str) -> Proposal:
    found = [p for p in _load(deps) if p.id.startswith(pid)] if pid else []
    if len(found) != 1:
        raise Refusal(f"no demo proposal {pid!r}; see `/demo list`")
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


def command(deps: Deps, outbox: Outbox, user: str, text: str) -> str:
    args = shlex.split(text) if text.strip() else ["help"]
    sub, rest = args[0].lower(), args[1:]
    if sub == "help":
        return HELP
    if sub == "list":
        lines = [f"`{p.id[:8]}` {p.state:9} {p.session or '-':10} {p.title} ({p.team})"
                 for p in sorted(_load(deps), key=lambda p: (p.session or "9", p.created))]
        return "\n".join(lines) or "No demo proposed yet: `/demo propose`."
    if sub not in USAGE:
        raise Refusal(f"I don't know `/demo {sub}`. Try `/demo help`.")
    if not rest or (sub == "recording") != (len(rest) == 2) or len(rest) > 2:
        raise Refusal(USAGE[sub])
    person = deps.person(user)
    if person is None:
        raise Refusal("I don't know you yet: add yourself to community/people.yaml with your Slack member id.")
    p = _find(deps, rest[0])
    hosts = deps.hub().ceremonies.community_sessions.hosts
    if sub in ("confirm", "withdraw") and person.id not in p.presenters:
        raise Refusal(f"only a presenter of this demo ({', '.join(p.presenters)}) can {sub} it")
    if sub == "confirm":
        if p.state != "scheduled":
            raise Refusal(f"this demo is {p.state}; only a scheduled demo is confirmed")
        if why := notebook_verified(deps, p):
            raise Refusal(f"not confirmed: {why}")
        _save(deps, [dataclasses.replace(p, state="confirmed")])
        return f"Confirmed: *{p.title}* at the session of {p.session}."
    if sub == "withdraw":
        _save(deps, [dataclasses.replace(p, state="withdrawn", session=None)])
        return f"Withdrawn: *{p.title}*. The slot goes to the next demo in the queue."
    # recording
    if person.id not in hosts and person.id not in p.presenters:
        raise Refusal("only a host of the sessions or a presenter attaches the recording")
    if p.state != "confirmed":
        raise Refusal(f"this demo is {p.state}; attach the recording of a confirmed demo after its session")
    url = rest[1]
    if not url.startswith("https://"):
        raise Refusal(USAGE["recording"] + " (an https link)")
    path, text_ = entry(p, url)
    outbox.add("demo", {"proposal": p.id, "path": path, "text": text_, "title": p.title},
               entry_id=str(uuid.uuid5(NS, f"{p.id}:{url}")))
    _save(deps, [dataclasses.replace(p, state="given")])
    return f"Thanks! The entry for *{p.title}* goes to demos/ as a pull request; I'll post its link."


def publish_entries(deps: Deps, client, user: str) -> None:
    def change(e) -> Change:
        branch = "demo/" + e.payload["path"].removeprefix("demos/").removesuffix(".md")
        return Change(branch=branch, files={e.payload["path"]: e.payload["text"]},
                      message=f"Demo: {e.payload['title']}", title=f"Demo: {e.payload['title']}",
                      body="Added by the mlhub bot after the ML Community Session.", labels=["demo"])

    publish_pending(deps, client, user, "demo", change, lambda e: f"The demo entry for {e.payload['title']}")


def _value(view: dict, block: str) -> str:
    v = view["state"]["values"].get(block, {}).get("value", {})
    return (v.get("value") or "").strip()


def submission(deps: Deps, user: str, view: dict) -> dict:
    """Validate and store a proposal; errors by block (empty when stored)."""
    hub = deps.hub()
    errors = {}
    person = deps.person(user)
    if person is None:
        return {"title": "add yourself to community/people.yaml with your Slack member id first"}
    title, team = _value(view, "title"), _value(view, "team")
    presenters = [x.strip().lstrip("@") for x in (_value(view, "presenters") or person.id).split(",") if x.strip()]
    tools = [x.strip() for x in _value(view, "tools").split(",") if x.strip()]
    minutes = _value(view, "minutes") or str(MAX_DEMO_MINUTES)
    notebook = _value(view, "notebook") or None
    links = [u.strip() for u in _value(view, "links").replace(",", "\n").splitlines() if u.strip()]
    if bad := [u for u in links if not u.startswith(("https://", "http://"))]:
        errors["links"] = f"links are http(s) URLs, one per line: {', '.join(bad)}"
    if not title or len(title) > 120:
        errors["title"] = "give a title of 1 to 120 characters"
    if not team:
        errors["team"] = "which team presents?"
    if unknown := [x for x in presenters if hub.person(x) is None]:
        errors["presenters"] = f"unknown people: {', '.join(unknown)} (GitHub logins from people.yaml)"
    if not tools:
        errors["tools"] = "name at least one tool or platform shown"
    if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_DEMO_MINUTES:
        errors["minutes"] = f"a demo lasts 1 to {MAX_DEMO_MINUTES} minutes (plus 5 of questions)"
    if notebook and not (deps.config.hub.root / "demos" / notebook).is_file():
        errors["notebook"] = f"no notebook demos/{notebook} in the repository"
    if errors:
        return errors
    p = Proposal(id=str(uuid.uuid5(NS, view["id"])), title=title, team=team, presenters=tuple(presenters),
                 tools=tuple(tools), minutes=int(minutes), notebook=notebook,
                 links=tuple((u.rsplit("/", 1)[-1] or u, u) for u in links),
                 created=deps.clock().isoformat())
    if not any(x.id == p.id for x in _load(deps)):
        _save(deps, [p])
        schedule(deps)  # the slot is part of what the ack promises
    return {}


def modal() -> dict:
    def field(block, label, optional=False, hint=None):
        b = {"type": "input", "block_id": block, "optional": optional,
             "label": {"type": "plain_text", "text": label},
             "element": {"type": "plain_text_input", "action_id": "value"}}
        if hint:
            b["hint"] = {"type": "plain_text", "text": hint}
        return b

    return {"type": "modal", "callback_id": "demo_propose",
            "title": {"type": "plain_text", "text": "Propose a demo"},
            "submit": {"type": "plain_text", "text": "Propose"},
            "blocks": [field("title", "Title"), field("team", "Team"),
                       field("presenters", "Presenters (GitHub logins, comma separated)", True, "you by default"),
                       field("tools", "Tools or platforms shown (comma separated)"),
                       field("minutes", "Minutes (at most 10)", True),
                       field("links", "Links: notebooks or repositories (one per line)", True),
                       field("notebook", "Notebook in demos/ (optional)", True,
                             "verified before the slot is confirmed")]}


def register(app, deps: Deps) -> None:
    def on_command(ack, body, client):
        if body.get("text", "").strip().lower() == "propose":
            client.views_open(trigger_id=body["trigger_id"], view=modal())
            return ack()
        try:
            ack(response_type="ephemeral", text=command(deps, deps.outbox, body["user_id"], body.get("text", "")))
        except Refusal as exc:
            ack(response_type="ephemeral", text=str(exc))

    def after_command(body, client):
        words = body.get("text", "").split()
        if words[:1] == ["withdraw"]:
            for p in schedule(deps):  # a standby takes the freed slot
                for presenter in p.presenters:
                    person = deps.hub().person(presenter)
                    if person:
                        client.chat_postMessage(channel=person.slack_id,
                                                text=f"A slot opened: *{p.title}* is scheduled on {p.session}. "
                                                     f"Confirm with `/demo confirm {p.id[:8]}`.")
        if words[:1] == ["recording"]:
            publish_entries(deps, client, body["user_id"])

    app.command("/demo")(ack=on_command, lazy=[after_command])

    def on_submit(ack, body):
        errors = submission(deps, body["user"]["id"], body["view"])
        return ack(response_action="errors", errors=errors) if errors else ack()

    def after_submit(body, client):
        pid = str(uuid.uuid5(NS, body["view"]["id"]))
        for p in _load(deps):
            if p.id == pid:
                where = f"scheduled on {p.session}" if p.session else "in the queue (all slots are taken)"
                client.chat_postMessage(channel=body["user"]["id"],
                                        text=f"*{p.title}* is {where}. Confirm with `/demo confirm {p.id[:8]}`.")

    app.view("demo_propose")(ack=on_submit, lazy=[after_submit])
