"""The ML Sync in Slack: agenda items (command, form, message shortcut), decisions and action items
recorded by the hosts, and the minutes published to docs/ml-sync/ as a pull request."""

from __future__ import annotations

import datetime as dt
import uuid

from bot.deps import Deps
from bot.publishing import publish_pending
from mlhub import calendar
from mlhub.publish import Change

COMMANDS = ["/mlsync"]
ACTIONS: list[str] = []
VIEWS = ["mlsync_add"]
EVENTS: list[str] = []
SHORTCUTS = ["mlsync_add_message"]
NS = uuid.UUID("9a6d3c44-1f0e-4f55-a2c3-4a1d2b3c4d5e")

HELP = """*ML Sync* (`/mlsync ...`)
• `/mlsync add TEXT` (or `/mlsync add` for a form, or the message shortcut *Add to ML Sync agenda*)
• `/mlsync agenda`: the items for the next Sync
• Hosts: `/mlsync decision TEXT` · `/mlsync action OWNER TEXT` · `/mlsync publish [YYYY-MM-DD]` \
(the minutes, as a pull request)"""


class Refusal(Exception):
    pass


def next_sync(deps: Deps, now: dt.datetime | None = None) -> dt.date:
    """The local date of the next ML Sync, or of the one under way (it counts until it ends)."""
    meeting = deps.hub().ceremonies.ml_sync.meeting
    now = now or deps.clock()
    occ = calendar.next_occurrence(meeting, now - meeting.duration)
    return occ.start.date()


def add_item(deps: Deps, user: str, text: str, key: str) -> str:
    person = deps.person(user)
    if person is None:
        raise Refusal("I don't know you yet: add yourself to community/people.yaml with your Slack member id.")
    text = " ".join(text.split())
    if not text or len(text) > 500:
        raise Refusal("usage: /mlsync add TEXT (at most 500 characters)")
    day = next_sync(deps).isoformat()
    deps.store.add_agenda_item(key, day, "slack", f"{text} ({person.name})")
    return f"Added to the ML Sync agenda of {day}."


def _host(deps: Deps, user: str):
    person = deps.person(user)
    hosts = deps.hub().ceremonies.ml_sync.hosts
    if person is None or person.id not in hosts:
        raise Refusal(f"only the ML Sync hosts ({', '.join(hosts)}) record decisions and publish minutes")
    return person


def minutes(deps: Deps, day: str) -> str:
    hub = deps.hub()
    items = deps.store.agenda("ml-sync", day)
    notes = deps.store.notes(day)
    lines = [f"# ML Sync {day}", "", f"Hosts: {', '.join(hub.ceremonies.ml_sync.hosts)}.", "", "## Agenda", ""]
    lines += [f"- {i['text']}" for i in items] or ["- (no items)"]
    lines += ["", "## Decisions", ""]
    lines += [f"- {n['text']}" for n in notes if n["kind"] == "decision"] or ["- none"]
    lines += ["", "## Action items", ""]
    lines += [f"- {n['text']}" for n in notes if n["kind"] == "action"] or ["- none"]
    return "\n".join(lines) + "\n"


def command(deps: Deps, user: str, text: str, key: str) -> str:
    words = text.split(maxsplit=1)
    sub, rest = (words[0].lower(), words[1] if len(words) > 1 else "") if words else ("help", "")
    if sub == "help":
        return HELP
    if sub == "add":
        return add_item(deps, user, rest, key)
    if sub == "agenda":
        day = next_sync(deps).isoformat()
        items = deps.store.agenda("ml-sync", day)
        return f"*ML Sync {day}*\n" + ("\n".join(f"• {i['text']}" for i in items) or "No item yet: `/mlsync add`.")
    if sub in ("decision", "action"):
        person = _host(deps, user)
        if not rest.strip():
            raise Refusal("usage: /mlsync decision TEXT" if sub == "decision" else "usage: /mlsync action OWNER TEXT")
        if sub == "action":
            owner, _, what = rest.partition(" ")
            if deps.hub().person(owner.lstrip("@")) is None or not what.strip():
                raise Refusal("usage: /mlsync action OWNER TEXT (OWNER: a GitHub login from people.yaml)")
            rest = f"{what.strip()} (owner: {owner.lstrip('@')})"
        day = next_sync(deps).isoformat()
        deps.store.add_note(key, day, sub, rest.strip(), person.id)
        return f"Recorded the {sub} for the ML Sync of {day}."
    if sub == "publish":
        _host(deps, user)
        day = rest.strip() or next_sync(deps).isoformat()
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            raise Refusal("usage: /mlsync publish [YYYY-MM-DD]") from None
        deps.outbox.add("minutes", {"day": day, "text": minutes(deps, day)}, entry_id=str(uuid.uuid5(NS, day)))
        return f"Publishing the minutes of {day} to docs/ml-sync/{day}.md; I'll post the pull request."
    raise Refusal(f"I don't know `/mlsync {sub}`. Try `/mlsync help`.")


def publish_minutes(deps: Deps, client, user: str) -> None:
    def change(e) -> Change:
        day = e.payload["day"]
        return Change(branch=f"ml-sync/{day}", files={f"docs/ml-sync/{day}.md": e.payload["text"]},
                      message=f"ML Sync minutes {day}", title=f"ML Sync minutes {day}",
                      body="Published by the ML Sync hosts from Slack.", labels=["ml-sync"])

    publish_pending(deps, client, user, "minutes", change, lambda e: f"The minutes of {e.payload['day']}")


def register(app, deps: Deps) -> None:
    def on_command(ack, body, client):
        text = body.get("text", "")
        if text.strip().lower() == "add":
            client.views_open(trigger_id=body["trigger_id"], view={
                "type": "modal", "callback_id": "mlsync_add", "title": {"type": "plain_text", "text": "ML Sync agenda"},
                "submit": {"type": "plain_text", "text": "Add"},
                "blocks": [{"type": "input", "block_id": "item", "label": {"type": "plain_text", "text": "Item"},
                            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True}}]})
            return ack()
        try:
            ack(response_type="ephemeral", text=command(deps, body["user_id"], text, str(uuid.uuid4())))
        except Refusal as exc:
            ack(response_type="ephemeral", text=str(exc))

    def after_command(body, client):
        if body.get("text", "").strip().lower().startswith("publish"):
            publish_minutes(deps, client, body["user_id"])

    app.command("/mlsync")(ack=on_command, lazy=[after_command])

    @app.view("mlsync_add")
    def on_modal(ack, body):
        value = body["view"]["state"]["values"].get("item", {}).get("value", {}).get("value") or ""
        try:
            add_item(deps, body["user"]["id"], value, str(uuid.uuid5(NS, body["view"]["id"])))
        except Refusal as exc:
            return ack(response_action="errors", errors={"item": str(exc)})
        ack()

    @app.shortcut("mlsync_add_message")
    def on_shortcut(ack, body, client):
        message = body.get("message", {})
        channel = body.get("channel", {}).get("id")
        link = f" <https://slack.com/archives/{channel}/p{message.get('ts', '').replace('.', '')}|message>"
        try:
            answer = add_item(deps, body["user"]["id"], (message.get("text") or "")[:400] + link,
                              str(uuid.uuid5(NS, f"{body.get('channel', {}).get('id')}:{message.get('ts')}")))
        except Refusal as exc:
            answer = str(exc)
        ack()
        client.chat_postEphemeral(channel=body.get("channel", {}).get("id"), user=body["user"]["id"], text=answer)
