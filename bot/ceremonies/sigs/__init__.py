"""Special Interest Groups in Slack: list, info, the next meeting in your time zone, join and
leave, skip an occurrence, and a meeting time fair to every member's time zone, chosen by poll.
Changes to community/sigs.yaml go back as pull requests; reminders before each meeting."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from bot import slash
from bot.blocks import poll as poll_blocks
from bot.ceremonies.sigs import commands as c
from bot.deps import Deps
from bot.jobs import Firing
from bot.mrkdwn import safe
from bot.publishing import Kind, already, publish_pending, register_kind
from bot.refusal import Refusal
from bot.slash import After, Ask, Follow
from mlhub import calendar
from mlhub.community import sigfile, slots
from mlhub.content.models import Person, Sig
from mlhub.publish import Change

COMMAND = "/sig"
ACTIONS = ["sig_vote"]
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
SIGS_FILE = "community/sigs.yaml"
WEEKDAYS = "MO TU WE TH FR SA SU".split()


def _sig(deps: Deps, sid: str) -> Sig:
    sig = deps.hub().sig(sid)
    if sig is None:
        raise Refusal(f"unknown SIG {safe(sid, 60)!r}; see `/sig list`")
    return sig


def _chair(ask: Ask, sig: Sig) -> Person:
    person = ask.member()
    if person.id not in sig.chairs:
        raise Refusal(f"only the chairs of {sig.id} ({', '.join(sig.chairs)}) can do this")
    return person


def _edit_change(e) -> Change:
    return Change(branch=e.payload["branch"], files={SIGS_FILE: e.payload["text"]},
                  message=e.payload["title"], title=e.payload["title"], labels=["sig"],
                  body="Proposed from Slack; a chair merges it.")


SIGS_EDIT = register_kind(Kind("sigs-edit", lambda e: e.payload["title"], "`/sig` command", change=_edit_change))


def _propose_edit(deps: Deps, key: str, title: str, new_text: str, branch: str) -> str | None:
    """Store the edit; the answer when it was published already (None: it will be now)."""
    entry = deps.outbox.add(SIGS_EDIT.name, {"title": title, "text": new_text, "branch": branch},
                            entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)))  # a pending one takes the new text
    return already(entry, title)


def _current_text(deps: Deps) -> str:
    return (deps.config.hub.root / SIGS_FILE).read_text(encoding="utf-8")


def next_meeting(deps: Deps, sig: Sig, zone: ZoneInfo) -> str:
    found = [o for m in sig.meetings if (o := deps.hub.next_occurrence(m, deps.clock()))]
    if not found:
        return f"{safe(sig.name)} has no meeting scheduled."
    occ = min(found, key=lambda o: o.start)
    local = occ.start.astimezone(zone)
    return f"Next {safe(occ.meeting.title)}: {local:%a %d %b %H:%M} ({zone.key})" + (
        f" · {occ.meeting.url}" if occ.meeting.url else "")


def options(poll: dict) -> list[list[slots.Slot]]:
    flat = [slots.Slot(d, m) for d, m in poll["slots"]]
    out, i = [], 0
    for size in poll["sizes"]:
        out.append(flat[i:i + size])
        i += size
    return out


def labels(poll: dict) -> list[str]:
    return [" / ".join(s.label() for s in choice) + (" (alternating weeks)" if len(choice) == 2 else "")
            for choice in options(poll)]


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    hub = deps.hub()
    if isinstance(cmd, c.Help):
        return c.HELP
    if isinstance(cmd, c.List):
        return "\n".join(f"• *{safe(s.name)}* (`{s.id}`, {s.status.value}) · `#{s.slack_channel}`" for s in hub.sigs)
    sig = _sig(deps, cmd.sig)
    if isinstance(cmd, c.Info):
        services = ", ".join(s.name for s in hub.services_of(sig.id)) or "none"
        return (f"*{safe(sig.name)}*: {safe(sig.mission)}\nChairs: {', '.join(sig.chairs)} · members: "
                f"{len(sig.members)} · services: {safe(services)} · `#{sig.slack_channel}`")
    if isinstance(cmd, c.Next):
        zone = deps.zones.cached(ask.user)
        return next_meeting(deps, sig, zone) if zone else ""  # else Slack's zone first, after the ack
    if isinstance(cmd, c.Join | c.Leave):
        person = ask.member()
        joining = isinstance(cmd, c.Join)
        verb = "join" if joining else "leave"
        if joining == (person.id in sig.members):
            raise Refusal(f"you are {'already' if joining else 'not'} a member of {sig.id}")
        members = [*sig.members, person.id] if joining else [m for m in sig.members if m != person.id]
        new = _edit(sigfile.set_members, _current_text(deps), sig.id, members)
        if done := _propose_edit(deps, f"{sig.id}:{verb}:{person.id}:{deps.clock():%Y%m%d%H%M}",
                                 f"{person.name} {verb}s {sig.name}", new, f"sig/{sig.id}/{verb}-{person.id}"):
            return done
        return f"Proposed: you {verb} {safe(sig.name)} (a pull request to {SIGS_FILE})."
    _chair(ask, sig)
    if not sig.meetings:
        raise Refusal(f"{sig.id} has no meeting")
    meeting = sig.meetings[0]
    if isinstance(cmd, c.Skip):
        start = dt.datetime.combine(cmd.day, dt.time(), calendar.start(meeting).tzinfo)
        if not calendar.occurrences(meeting, start, start + dt.timedelta(days=1)):
            raise Refusal(f"{safe(meeting.title)} does not meet on {cmd.day}")
        new = _edit(sigfile.add_exdate, _current_text(deps), meeting.id, cmd.day.isoformat())
        if done := _propose_edit(deps, f"{meeting.id}:skip:{cmd.day}", f"Skip {meeting.title} on {cmd.day}", new,
                                 f"sig/{sig.id}/skip-{cmd.day}"):
            return done
        return f"Proposed: skip {safe(meeting.title)} on {cmd.day} (the calendar feeds update once it is merged)."
    if isinstance(cmd, c.Schedule):
        if not deps.store.request_poll(sig.id):
            raise Refusal(f"a poll for {sig.id} is being prepared already; it appears in #{sig.slack_channel}")
        return (f"Finding the fairest times for every member's time zone; the poll will appear in "
                f"#{sig.slack_channel}.")
    poll = deps.store.poll(sig.id)
    if poll is None or not 1 <= cmd.n <= len(poll["sizes"]):
        raise Refusal(c.USAGE["choose"])
    choice = options(poll)[cmd.n - 1]
    today = deps.clock().date()
    first = (today + dt.timedelta(days=(choice[0].weekday - today.weekday()) % 7 or 7)).isoformat()
    rrule = f"FREQ=WEEKLY;INTERVAL={2 if len(choice) == 2 else 1};BYDAY={WEEKDAYS[choice[0].weekday]}"
    minute = choice[0].minute
    dtstart = f"{first}T{minute // 60:02d}:{minute % 60:02d}:00"
    new = _edit(sigfile.set_time, _current_text(deps), meeting.id, "UTC", dtstart, rrule)
    if done := _propose_edit(deps, f"{meeting.id}:choose:{deps.clock():%Y%m%d}", f"New time for {meeting.title}",
                             new, f"sig/{sig.id}/time-{deps.clock():%Y%m%d}"):
        return done
    return (f"Proposed the new time {' / '.join(s.label() for s in choice)} for {safe(meeting.title)} "
            f"(a pull request to {SIGS_FILE}).")


def _edit(fn, *args) -> str:
    try:
        return fn(*args)
    except sigfile.EditError as exc:
        raise Refusal(str(exc)) from None


# --- after the ack ------------------------------------------------------------------------------------------


def answer_next(deps: Deps, after: After, cmd: c.Next) -> None:
    """The zone was not known at the ack: ask Slack, then answer."""
    deps.zones.refresh(after.client, [after.ask.user])
    fallback = after.ask.person.tz if after.ask.person else None
    after.say(next_meeting(deps, _sig(deps, cmd.sig), deps.zones.best(after.ask.user, fallback)))


def post_poll(deps: Deps, after: After, cmd: c.Schedule) -> None:
    """Every member's zone (Slack's, fetched in parallel; else people.yaml's), the three fairest
    times, and the poll in the SIG's channel."""
    hub = deps.hub()
    sig = _sig(deps, cmd.sig)
    people = [p for pid in sorted({*sig.members, *sig.chairs}) if (p := hub.person(pid))]
    deps.zones.refresh(after.client, [p.slack_id for p in people])
    zones = [deps.zones.best(p.slack_id, p.tz) for p in people]
    today = deps.clock().date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    found = slots.find(zones, sig.meetings[0].duration, monday, weeks=8, top=3)
    deps.store.save_poll(sig.id, [[s.weekday, s.minute] for p in found for s in p.slots], [len(p.slots) for p in found])
    text, msg = poll_blocks(sig.id, labels(deps.store.poll(sig.id) or {"slots": [], "sizes": []}), {})
    posted = deps.channels.post(after.client, sig.slack_channel, text, msg)
    deps.store.set_poll_message(sig.id, posted["channel"], posted["ts"])
    after.say(f"Posted the poll of the three fairest times in #{sig.slack_channel}; choose with "
              f"`/sig choose {sig.id} N`.")


def publish_edits(deps: Deps, after: After, cmd) -> None:
    publish_pending(deps, after.say, SIGS_EDIT.name)


def reminder(deps: Deps, firing: Firing) -> str:
    return f"Reminder: *{firing.title}* on {firing.when}."


def register(app, deps: Deps) -> None:
    follow: dict[type, Follow] = {c.Next: answer_next, c.Schedule: post_poll, **{t: publish_edits for t in c.EDITS}}
    deps.commands.add(COMMAND, c.parse, run, follow, unanswered=frozenset({c.Next}), changes=(*c.EDITS, c.Schedule))

    def on_vote(ack, body, context):
        sig_id, _, n = body["actions"][0]["value"].partition("|")
        person = context.get("person")
        if person is None:
            context["answer"], context["refused"] = slash.NOT_A_MEMBER, True
        elif deps.store.vote(sig_id, n, person.id):
            context["answer"] = f"Your vote for option {n} is counted (a new vote replaces it)."
        else:
            context["answer"], context["refused"] = "This poll is over; the chair asks for a new one.", True
        ack()

    def after_vote(body, context, client, respond):
        if not context.get("refused"):
            sig_id = body["actions"][0]["value"].partition("|")[0]
            poll = deps.store.poll(sig_id)
            container = body.get("container") or {}
            if poll and container.get("channel_id") and container.get("message_ts"):
                text, msg = poll_blocks(sig_id, labels(poll), poll["votes"])
                client.chat_update(channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=msg)
        respond(text=context["answer"], response_type="ephemeral", replace_original=False)

    app.action("sig_vote")(ack=on_vote, lazy=[after_vote])
    deps.jobs.post("reminder")(reminder)
