"""Special Interest Groups in Slack: list, info, the next meeting in your time zone, join and
leave, skip an occurrence, and a meeting time fair to every member's time zone, chosen by poll.
Changes to community/sigs.yaml go back as pull requests."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from bot.ceremonies.home import user_zone
from bot.deps import Deps
from bot.publishing import publish_pending
from mlhub import calendar
from mlhub.community import sigfile, slots
from mlhub.publish import Change

COMMANDS = ["/sig"]
ACTIONS = ["sig_vote"]
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
SIGS_FILE = "community/sigs.yaml"

HELP = """*SIGs* (`/sig ...`)
• `/sig list` · `/sig info SIG` · `/sig next SIG` (in your time zone)
• `/sig join SIG` · `/sig leave SIG`: proposed as a pull request to community/sigs.yaml
• Chairs: `/sig skip SIG YYYY-MM-DD` · `/sig schedule SIG` (a poll of the fairest times) · `/sig choose SIG N`"""


class Refusal(Exception):
    pass


def _sig(deps: Deps, sid: str):
    sig = deps.hub().sig(sid)
    if sig is None:
        raise Refusal(f"unknown SIG {sid!r}; see `/sig list`")
    return sig


def _person(deps: Deps, user: str):
    person = deps.person(user)
    if person is None:
        raise Refusal("I don't know you yet: add yourself to community/people.yaml with your Slack member id.")
    return person


def _chair(deps: Deps, user: str, sig):
    person = _person(deps, user)
    if person.id not in sig.chairs:
        raise Refusal(f"only the chairs of {sig.id} ({', '.join(sig.chairs)}) can do this")
    return person


def _propose_edit(deps: Deps, key: str, title: str, new_text: str, branch: str) -> None:
    deps.outbox.add("sigs-edit", {"title": title, "text": new_text, "branch": branch},
                    entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)))


def _current_text(deps: Deps) -> str:
    return (deps.config.hub.root / SIGS_FILE).read_text(encoding="utf-8")


def fair_zones(deps: Deps, client, sig) -> list[ZoneInfo]:
    hub = deps.hub()
    zones = []
    for pid in sorted({*sig.members, *sig.chairs}):
        person = hub.person(pid)
        if person:
            zones.append(user_zone(client, person.slack_id, person.tz))
    return zones


def command(deps: Deps, client, user: str, text: str) -> str:
    words = text.split()
    sub, rest = (words[0].lower(), words[1:]) if words else ("help", [])
    hub = deps.hub()
    if sub == "help":
        return HELP
    if sub == "list":
        return "\n".join(f"• *{s.name}* (`{s.id}`, {s.status.value}) · `#{s.slack_channel}`" for s in hub.sigs)
    if not rest:
        raise Refusal(f"usage: /sig {sub} SIG" + (" YYYY-MM-DD" if sub == "skip" else " N" if sub == "choose" else ""))
    sig = _sig(deps, rest[0])
    if sub == "info":
        services = ", ".join(s.name for s in hub.services_of(sig.id)) or "none"
        return (f"*{sig.name}*: {sig.mission}\nChairs: {', '.join(sig.chairs)} · members: {len(sig.members)} · "
                f"services: {services} · `#{sig.slack_channel}`")
    if sub == "next":
        person = deps.person(user)
        zone = user_zone(client, user, person.tz if person else None)
        found = [o for m in sig.meetings if (o := calendar.next_occurrence(m, deps.clock()))]
        if not found:
            return f"{sig.name} has no meeting scheduled."
        occ = min(found, key=lambda o: o.start)
        local = occ.start.astimezone(zone)
        return f"Next {occ.meeting.title}: {local:%a %d %b %H:%M} ({zone.key})" + (f" · {occ.meeting.url}"
                                                                                 if occ.meeting.url else "")
    if sub in ("join", "leave"):
        person = _person(deps, user)
        members = list(sig.members)
        if (sub == "join") == (person.id in members):
            raise Refusal(f"you are {'already' if sub == 'join' else 'not'} a member of {sig.id}")
        members = [*members, person.id] if sub == "join" else [m for m in members if m != person.id]
        new = sigfile.set_members(_current_text(deps), sig.id, members)
        _propose_edit(deps, f"{sig.id}:{sub}:{person.id}:{deps.clock():%Y%m%d%H%M}", f"{person.name} {sub}s {sig.name}",
                      new, f"sig/{sig.id}/{sub}-{person.id}")
        return f"Proposed: you {sub} {sig.name} (a pull request to {SIGS_FILE})."
    if sub == "skip":
        _chair(deps, user, sig)
        if len(rest) != 2 or not sig.meetings:
            raise Refusal("usage: /sig skip SIG YYYY-MM-DD")
        meeting = sig.meetings[0]
        try:
            day = dt.date.fromisoformat(rest[1])
        except ValueError:
            raise Refusal("usage: /sig skip SIG YYYY-MM-DD") from None
        start = dt.datetime.combine(day, dt.time(), calendar.start(meeting).tzinfo)
        if not calendar.occurrences(meeting, start, start + dt.timedelta(days=1)):
            raise Refusal(f"{meeting.title} does not meet on {day}")
        new = sigfile.add_exdate(_current_text(deps), meeting.id, day.isoformat())
        _propose_edit(deps, f"{meeting.id}:skip:{day}", f"Skip {meeting.title} on {day}", new,
                      f"sig/{sig.id}/skip-{day}")
        return f"Proposed: skip {meeting.title} on {day} (the calendar feeds update once it is merged)."
    if sub == "schedule":
        _chair(deps, user, sig)
        if not sig.meetings:
            raise Refusal(f"{sig.id} has no meeting to reschedule")
        zones = fair_zones(deps, client, sig)
        today = deps.clock().date()
        monday = today + dt.timedelta(days=7 - today.weekday())
        proposals = slots.find(zones, sig.meetings[0].duration, monday, weeks=8, top=3)
        deps.store.save_poll(sig.id, [[s.weekday, s.minute] for p in proposals for s in p.slots],
                             [len(p.slots) for p in proposals])
        return f"Posted a poll of the three fairest times in #{sig.slack_channel}."
    if sub == "choose":
        _chair(deps, user, sig)
        poll = deps.store.poll(sig.id)
        if poll is None or len(rest) != 2 or not rest[1].isdigit() or not 1 <= int(rest[1]) <= len(poll["sizes"]):
            raise Refusal("usage: /sig choose SIG N (N from the poll of `/sig schedule`)")
        choice = _poll_options(poll)[int(rest[1]) - 1]
        meeting = sig.meetings[0]
        first = _first_date(deps.clock().date(), choice[0].weekday)
        day = "MO TU WE TH FR SA SU".split()[choice[0].weekday]
        rrule = f"FREQ=WEEKLY;INTERVAL={2 if len(choice) == 2 else 1};BYDAY={day}"
        new = sigfile.set_time(_current_text(deps), meeting.id, "UTC",
                               f"{first}T{choice[0].minute // 60:02d}:{choice[0].minute % 60:02d}:00", rrule)
        _propose_edit(deps, f"{meeting.id}:choose:{deps.clock():%Y%m%d}", f"New time for {meeting.title}", new,
                      f"sig/{sig.id}/time-{deps.clock():%Y%m%d}")
        label = " / ".join(s.label() for s in choice)
        return f"Proposed the new time {label} for {meeting.title} (a pull request to {SIGS_FILE})."
    raise Refusal(f"I don't know `/sig {sub}`. Try `/sig help`.")


def _first_date(today: dt.date, weekday: int) -> str:
    return (today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)).isoformat()


def _poll_options(poll: dict) -> list[list[slots.Slot]]:
    flat = [slots.Slot(d, m) for d, m in poll["slots"]]
    out, i = [], 0
    for size in poll["sizes"]:
        out.append(flat[i:i + size])
        i += size
    return out


def poll_message(deps: Deps, sig_id: str) -> tuple[str, list]:
    poll = deps.store.poll(sig_id)
    options = _poll_options(poll)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"*When should {sig_id} meet?* "
                                           "The fairest times for every member's time zone:"}}]
    for n, choice in enumerate(options, 1):
        label = " / ".join(s.label() for s in choice) + (" (alternating weeks)" if len(choice) == 2 else "")
        votes = poll["votes"].get(str(n), [])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{n}. {label} · {len(votes)} vote(s)"},
                       "accessory": {"type": "button", "action_id": "sig_vote", "value": f"{sig_id}|{n}",
                                     "text": {"type": "plain_text", "text": f"Vote {n}"}}})
    return f"When should {sig_id} meet?", blocks


def publish_edits(deps: Deps, client, user: str) -> None:
    def change(e) -> Change:
        return Change(branch=e.payload["branch"], files={SIGS_FILE: e.payload["text"]},
                      message=e.payload["title"], title=e.payload["title"], labels=["sig"],
                      body="Proposed from Slack; a chair merges it.")

    publish_pending(deps, client, user, "sigs-edit", change, lambda e: e.payload["title"])


def register(app, deps: Deps) -> None:
    def on_command(ack, body, client):
        try:
            ack(response_type="ephemeral", text=command(deps, client, body["user_id"], body.get("text", "")))
        except (Refusal, sigfile.EditError) as exc:
            ack(response_type="ephemeral", text=str(exc))

    def after_command(body, client):
        words = body.get("text", "").split()
        if words[:1] == ["schedule"] and len(words) > 1 and deps.store.poll(words[1]):
            sig = deps.hub().sig(words[1])
            text, blocks = poll_message(deps, words[1])
            client.chat_postMessage(channel=f"#{sig.slack_channel}", text=text, blocks=blocks)
        if words[:1] and words[0] in ("join", "leave", "skip", "choose"):
            publish_edits(deps, client, body["user_id"])

    app.command("/sig")(ack=on_command, lazy=[after_command])

    @app.action("sig_vote")
    def on_vote(ack, body, client):
        sig_id, n = body["actions"][0]["value"].split("|")
        person = deps.person(body["user"]["id"])
        if person:
            deps.store.vote(sig_id, n, person.id)
        ack()
        channel, ts = body.get("channel", {}).get("id"), body.get("container", {}).get("message_ts")
        if channel and ts:
            text, blocks = poll_message(deps, sig_id)
            client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
