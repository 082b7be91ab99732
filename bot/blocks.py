"""Block Kit builders: pure functions from domain state to Slack messages, modals and the Home tab.
Every value that comes from people or content is escaped and clipped (bot.mrkdwn)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from bot.mrkdwn import button, clip, context, header, link, message, option, plain_text, safe, section
from mlhub.content.hub import Hub
from mlhub.content.models import Person, Rfc, Sig
from mlhub.rfc import fcp as rules
from mlhub.rfc.fcp import Fcp, FcpState

MAX_NAME = 80


def names(hub: Hub, ids: Iterable[str]) -> str:
    return ", ".join(sorted(safe(p.name if (p := hub.person(i)) else i, MAX_NAME) for i in ids)) or "nobody"


def _left(td: dt.timedelta | None) -> str:
    if td is None:
        return "not started"
    hours = td.total_seconds() / 3600
    return f"{hours / 24:.1f} business days" if hours >= 24 else f"{hours:.1f} business hours"


def fcp_status(hub: Hub, fcp: Fcp, now: dt.datetime) -> str:
    state = rules.state_of(hub, fcp)
    return {
        FcpState.proposed: f"Waiting for quorum: {len(state.signed)} of {state.needed} sign-offs",
        FcpState.running: f"Quorum reached · {_left(rules.time_left(hub, fcp, now))} left",
        FcpState.paused: f"Paused by a blocking concern · {_left(fcp.remaining)} left when it resumes",
        FcpState.decided: f"Decided: *{fcp.disposition.value}*",
        FcpState.cancelled: "Cancelled",
    }[fcp.state]


def fcp_message(hub: Hub, rfc: Rfc, fcp: Fcp, now: dt.datetime, url: str | None = None) -> tuple[str, list]:
    """The one live-state message of an FCP in the SIG channel: fallback text and blocks."""
    state = rules.state_of(hub, fcp)
    title = f"RFC {rfc.number:04d}: {rfc.title}"
    option_ = f" (`{safe(fcp.chosen_option, 80)}`)" if fcp.chosen_option else ""
    head = f"*{link(url, title) if url else safe(title)}*\nFinal comment period to *{fcp.disposition.value}*{option_}"
    status = fcp_status(hub, fcp, now)
    concerns = "\n".join(
        f"• `{safe(c.name, 80)}` by {names(hub, [c.by])}{' (blocking)' if c.blocking else ''}: "
        + (f"resolved {c.resolved:%Y-%m-%d}" if c.resolved else "*open*") for c in fcp.concerns) or "none"
    blocks = [
        section(head),
        section(f"*Status:* {status}\n*Signed off:* {names(hub, state.signed)}\n"
                f"*Missing:* {names(hub, state.outstanding)}\n*Concerns:*\n{concerns}"),
    ]
    if fcp.state in rules.OPEN:
        blocks.append({"type": "actions", "elements": [button("Approve", "rfc_approve", str(rfc.number), "primary")]})
    blocks.append(context(f"Proposed by {names(hub, [fcp.proposed_by])} · updated {now:%Y-%m-%d %H:%M} UTC"))
    return clip(f"{safe(title)}: {status}", 3000), message(blocks)  # the notification text too


def _input(block_id: str, label: str, element: dict, optional: bool = False, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "optional": optional, "label": plain_text(label, 2000),
             "element": {**element, "action_id": "value"}}
    return block | ({"hint": plain_text(hint, 2000)} if hint else {})


def _text_input(multiline: bool = False, max_length: int | None = None) -> dict:
    el: dict = {"type": "plain_text_input", "multiline": multiline}
    return el | ({"max_length": max_length} if max_length else {})


def _modal(callback_id: str, title: str, submit: str, blocks: list[dict]) -> dict:
    return {"type": "modal", "callback_id": callback_id, "title": plain_text(title, 24),
            "submit": plain_text(submit, 24), "close": plain_text("Cancel", 24), "blocks": blocks}


def rfc_new_modal(sigs: list[Sig], types: list[str]) -> dict:
    return _modal("rfc_new", "File an RFC", "File", [
        _input("title", "Title", _text_input(max_length=100)),
        _input("sig", "Owning SIG", {"type": "static_select", "options": [option(s.id, s.name) for s in sigs][:100]}),
        _input("type", "Type", {"type": "static_select", "initial_option": option(types[0], types[0]),
                                "options": [option(t, t) for t in types]}),
        _input("options", "Considered options (ids, one per line)", _text_input(True, 1000), optional=True,
               hint="kebab-case ids, e.g. use-feast"),
        _input("summary", "Summary", _text_input(True, 3000), optional=True),
    ])


def mlsync_modal() -> dict:
    return _modal("mlsync_add", "ML Sync agenda", "Add", [_input("item", "Item", _text_input(True, 500))])


def demo_modal(max_minutes: int) -> dict:
    return _modal("demo_propose", "Propose a demo", "Propose", [
        _input("title", "Title", _text_input(max_length=120)),
        _input("team", "Team", _text_input(max_length=80)),
        _input("presenters", "Presenters (GitHub logins, comma separated)", _text_input(max_length=300), True,
               "you by default"),
        _input("tools", "Tools or platforms shown (comma separated)", _text_input(max_length=300)),
        _input("minutes", f"Minutes (at most {max_minutes})", _text_input(max_length=3), True),
        _input("links", "Links: notebooks or repositories (one per line)", _text_input(True, 2000), True),
        _input("notebook", "Notebook in demos/", _text_input(max_length=200), True,
               "verified before the slot is confirmed"),
    ])


def home(person: Person | None, sigs: list[Sig], meetings: list[str], waiting: list[str],
         more: list[dict] | None = None) -> dict:
    """The Home tab; `more`: blocks other ceremonies add below (the clusters)."""
    blocks = [section(f"*Hello {safe(person.name, 100)}*" if person else "*Welcome to the ML community hub*")]
    if person is None:
        blocks.append(section("Add yourself to `community/people.yaml` with your Slack member id to see "
                              "your SIGs, meetings and RFCs here."))
    blocks += [
        header("Your SIGs"),
        section("\n".join(f"• *{safe(s.name)}* · `#{safe(s.slack_channel)}`" for s in sigs)
                or "You are in no SIG yet."),
        header("Next ceremonies (your time zone)"),
        section("\n".join(meetings) or "Nothing in the next two weeks."),
        header("RFCs waiting for you"),
        section("\n".join(waiting) or "Nothing is waiting for you."),
        *(more or []),
    ]
    return {"type": "home", "blocks": blocks}


def poll(sig_id: str, labels: list[str], votes: dict[str, list[str]]) -> tuple[str, list]:
    """The fair-time poll of a SIG: one section and Vote button per option."""
    blocks = [section(f"*When should {safe(sig_id)} meet?* The fairest times for every member's time zone:")]
    for n, label in enumerate(labels, 1):
        count = len(votes.get(str(n), []))
        blocks.append(section(f"{n}. {safe(label)} · {count} vote{'' if count == 1 else 's'}",
                              accessory=button(f"Vote {n}", "sig_vote", f"{sig_id}|{n}")))
    return f"When should {safe(sig_id)} meet?", message(blocks)


def request_modal(services: list[str], problem: str = "") -> dict:
    """The form of a new request; a message shortcut fills in the problem from the message."""
    # 3000 characters: Slack allows no more in a text input
    problem_input = _text_input(True, 3000) | ({"initial_value": problem} if problem else {})
    return _modal("request_new", "Request", "File", [
        _input("title", "What do you ask for?", _text_input(max_length=120)),
        _input("problem", "The problem it solves", problem_input, hint="in your words; not a solution"),
        _input("services", "Services it touches (catalog ids)", _text_input(max_length=300), True,
               ", ".join(services)[:150]),
        _input("team", "Your team", _text_input(max_length=120), True, "yours in people.yaml by default"),
        _input("duplicates", "If a similar request is open", {"type": "static_select",
               "initial_option": option("check", "Show it to me first"),
               "options": [option("check", "Show it to me first"), option("file", "File it anyway")]}),
    ])
