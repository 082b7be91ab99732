"""The ML Sync in Slack: agenda items (command, form, message shortcut), decisions and action items
recorded by the hosts, the minutes published to docs/ml-sync/ as a pull request, and its timed
posts (agenda draft the day before, reminder, minutes prompt)."""

from __future__ import annotations

import datetime as dt
import html
import logging
import uuid

from slack_sdk.errors import SlackApiError

from bot import blocks, delivery
from bot.ceremonies.mlsync import commands as c
from bot.deps import Deps
from bot.jobs import Firing
from bot.mrkdwn import clip, plain, safe
from bot.publishing import Kind, already, publish_pending, register_kind
from bot.refusal import Refusal
from bot.slash import After, Ask
from mlhub.community import agenda
from mlhub.content.models import Person
from mlhub.publish import Change
from mlhub.verify.record import load_all

COMMAND = "/mlsync"
ACTIONS: list[str] = []
VIEWS = ["mlsync_add"]
EVENTS: list[str] = []
SHORTCUTS = ["mlsync_add_message"]
NS = uuid.UUID("9a6d3c44-1f0e-4f55-a2c3-4a1d2b3c4d5e")
SHORTCUT_TEXT = 400
log = logging.getLogger("mlhub.bot.mlsync")


def next_sync(deps: Deps, now: dt.datetime | None = None) -> dt.date:
    """The local date of the next ML Sync, or of the one under way (it counts until it ends)."""
    meeting = deps.ceremonies().ml_sync.meeting
    now = now or deps.clock()
    occ = deps.hub.next_occurrence(meeting, now - meeting.duration)
    if occ is None:
        raise Refusal("the ML Sync has no next meeting in community/ceremonies.yaml")
    return occ.start.date()


def add_item(deps: Deps, person: Person, text: str, key: str, link: str | None = None) -> str:
    text = c.item_text(plain(text), "add")
    day = next_sync(deps).isoformat()
    if not deps.store.add_agenda_item(key, day, "slack", f"{text} ({person.name})", link):
        return f"That is already on the ML Sync agenda of {day}."
    return f"Added to the ML Sync agenda of {day}."


def _host(deps: Deps, ask: Ask) -> Person:
    hosts = deps.ceremonies().ml_sync.hosts
    if ask.person is None or ask.person.id not in hosts:
        raise Refusal(f"only the ML Sync hosts ({', '.join(hosts)}) record decisions and publish minutes")
    return ask.person


def minutes(deps: Deps, day: str) -> str:
    """The minutes as Markdown; people's words are escaped so they cannot inject HTML into the site."""
    items, notes = deps.store.agenda("ml-sync", day), deps.store.notes(day)

    def line(text: str, link: str | None = None) -> str:
        return f"- {html.escape(text, quote=False)}" + (f" ([message]({link}))" if link else "")

    out = [f"# ML Sync {day}", "", f"Hosts: {', '.join(deps.ceremonies().ml_sync.hosts)}.", "", "## Agenda", ""]
    out += [line(i["text"], i.get("link")) for i in items] or ["- (no items)"]
    out += ["", "## Decisions", ""]
    out += [line(n["text"]) for n in notes if n["kind"] == "decision"] or ["- none"]
    out += ["", "## Action items", ""]
    out += [line(n["text"]) for n in notes if n["kind"] == "action"] or ["- none"]
    return "\n".join(out) + "\n"


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    if isinstance(cmd, c.Help):
        return c.HELP
    if isinstance(cmd, c.Agenda):
        day = next_sync(deps).isoformat()
        items = deps.store.agenda("ml-sync", day)
        return clip(f"*ML Sync {day}*\n" + ("\n".join(f"• {safe(i['text'])}" for i in items)
                                           or "No item yet: `/mlsync add`."), 39_000)
    if isinstance(cmd, c.Form):
        ask.member()
        return ""  # the form opens after the ack
    if isinstance(cmd, c.Add):  # stored with the request's key: a redelivery adds nothing (bot.delivery)
        return add_item(deps, ask.member(), cmd.text, str(uuid.uuid4()))
    person = _host(deps, ask)
    if isinstance(cmd, c.Publish):
        day = (cmd.day or next_sync(deps)).isoformat()
        entry = deps.outbox.add(MINUTES.name, {"day": day, "text": minutes(deps, day)},
                                entry_id=str(uuid.uuid5(NS, day)))  # a pending one takes the current text
        if done := already(entry, MINUTES.what(entry)):
            return done
        return f"Publishing the minutes of {day} to docs/ml-sync/{day}.md; I'll tell you the pull request."
    day = next_sync(deps).isoformat()
    if isinstance(cmd, c.Action):
        if deps.hub().person(cmd.owner) is None:
            raise Refusal(c.USAGE["action"])
        deps.store.add_note(str(uuid.uuid4()), day, "action", f"{cmd.text} (owner: {cmd.owner})", person.id)
        return f"Recorded the action item for the ML Sync of {day}."
    deps.store.add_note(str(uuid.uuid4()), day, "decision", cmd.text, person.id)
    return f"Recorded the decision for the ML Sync of {day}."


def _minutes_change(e) -> Change:
    day = e.payload["day"]
    return Change(branch=f"ml-sync/{day}", files={f"docs/ml-sync/{day}.md": e.payload["text"]},
                  message=f"ML Sync minutes {day}", title=f"ML Sync minutes {day}",
                  body="Published by the ML Sync hosts from Slack.", labels=["ml-sync"])


MINUTES = register_kind(Kind("minutes", lambda e: f"The minutes of {e.payload['day']}", "`/mlsync publish`",
                        change=_minutes_change))


def publish_minutes(deps: Deps, after: After, cmd: c.Publish) -> None:
    publish_pending(deps, after.say, MINUTES.name)


# --- timed posts ------------------------------------------------------------------------------------------


def agenda_draft(deps: Deps, firing: Firing) -> str:
    """Draft from what changed since the last draft, then remember the state for the next."""
    hub = firing.hub
    before = deps.store.snapshot("ml-sync")
    records = load_all(deps.config.hub.state_dir / "verify")
    broken = {tid: (f"cell {r.failing_cell.index} failed with {r.failing_cell.error}" if r.failing_cell
                    else r.error or "failed") for tid, r in records.items() if r.status == "failed"}
    extra = [safe(i["text"], 300) for i in deps.store.agenda("ml-sync", firing.local.date().isoformat())]
    meeting = deps.ceremonies().ml_sync.meeting
    from bot.ceremonies import feedback  # a sibling ceremony: imported when the draft is made

    since = firing.now - dt.timedelta(days=14)  # the answers since the last Sync, two weeks ago
    body = agenda.draft(hub, agenda.Snapshot(**before) if before else None, broken, extra,
                        int(meeting.duration.total_seconds() // 60), firing.when,
                        feedback=[safe(x, 300) for x in feedback.summary(deps, since)], escape=safe)
    deps.store.save_snapshot("ml-sync", agenda.snapshot(hub).to_json())
    return clip(body, 39_000)


def register(app, deps: Deps) -> None:
    deps.commands.add(COMMAND, c.parse, run, {
        c.Form: lambda d, after, cmd: after.open_modal(blocks.mlsync_modal(), "/mlsync add"),
        c.Publish: publish_minutes}, changes=(c.Add, c.Decision, c.Action, c.Publish))

    @app.view("mlsync_add")
    def on_form(ack, body, context):
        value = body["view"]["state"]["values"].get("item", {}).get("value", {}).get("value") or ""
        first = delivery.once(deps.store, delivery.view_key(body), lambda: add_item(
            deps, Ask(body["user"]["id"], context.get("person"), "").member(), value,
            str(uuid.uuid5(NS, body["view"]["id"]))))
        if first.refused:
            return ack(response_action="errors", errors={"item": first.text})
        ack()

    def on_shortcut(ack, body, context):
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
        context["key"] = str(uuid.uuid5(NS, f"{channel}:{message.get('ts')}"))
        try:
            person = Ask(body["user"]["id"], context.get("person"), channel).member()
            text = plain(message.get("text") or "")
            text = text if len(text) <= SHORTCUT_TEXT else text[:SHORTCUT_TEXT - 1] + "…"
            context["answer"] = add_item(deps, person, text, context["key"])
        except Refusal as exc:
            context["answer"], context["refused"] = str(exc), True
        ack()

    def after_shortcut(body, context, client, respond):
        if not context.get("refused"):
            try:  # a link to the message, if the bot may see the conversation
                link = client.chat_getPermalink(channel=body["channel"]["id"], message_ts=body["message"]["ts"])
                deps.store.set_agenda_link(context["key"], link["permalink"])
            except SlackApiError as exc:
                log.info("no permalink for the agenda item: %s", exc.response.get("error"))
        respond(text=context["answer"], response_type="ephemeral", replace_original=False)

    app.shortcut("mlsync_add_message")(ack=on_shortcut, lazy=[after_shortcut])

    deps.jobs.post("agenda-draft", "ml-sync")(agenda_draft)
    deps.jobs.post("reminder", "ml-sync")(lambda d, f: f"Reminder: *{f.title}* on {f.when}.")
    deps.jobs.post("minutes-prompt", "ml-sync")(
        lambda d, f: f"*{f.title}* has ended ({f.when}). Hosts: record decisions and action items, then publish "
                     "the minutes with `/mlsync publish`.")
