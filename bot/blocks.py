"""Block Kit builders: pure functions from domain state to Slack blocks."""

from __future__ import annotations

import datetime as dt

from mlhub.content.hub import Hub
from mlhub.content.models import Rfc
from mlhub.rfc import fcp as fcp_rules
from mlhub.rfc.fcp import Fcp


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _names(hub: Hub, ids) -> str:
    return ", ".join(sorted((p.name if (p := hub.person(i)) else i) for i in ids)) or "nobody"


def _left(td: dt.timedelta | None) -> str:
    if td is None:
        return "not started"
    hours = td.total_seconds() / 3600
    return f"{hours / 24:.1f} business days" if hours >= 24 else f"{hours:.1f} business hours"


def fcp_message(hub: Hub, rfc: Rfc, fcp: Fcp, now: dt.datetime, url: str | None = None) -> tuple[str, list]:
    """The one live-state message of an FCP in the SIG channel: text and blocks."""
    state = fcp_rules.state_of(hub, fcp)
    option = f" (`{fcp.chosen_option}`)" if fcp.chosen_option else ""
    title = f"RFC {rfc.number:04d}: {rfc.title}"
    head = f"*{f'<{url}|{title}>' if url else title}*\nFinal comment period to *{fcp.disposition.value}*{option}"
    status = {
        "proposed": f"Waiting for quorum: {len(state.signed)} of {state.needed} sign-offs",
        "running": f"Quorum reached · {_left(fcp_rules.time_left(hub, fcp, now))} left",
        "paused": f"Paused by a blocking concern · {_left(fcp.remaining)} left when it resumes",
        "decided": f"Decided: *{fcp.disposition.value}*",
        "cancelled": "Cancelled",
    }[fcp.state]
    concerns = "\n".join(
        f"• `{c.name}` by {_names(hub, [c.by])}{' (blocking)' if c.blocking else ''}: "
        + (f"resolved {c.resolved:%Y-%m-%d}" if c.resolved else "*open*") for c in fcp.concerns) or "none"
    blocks = [
        section(head),
        section(f"*Status:* {status}\n*Signed off:* {_names(hub, state.signed)}\n"
                f"*Missing:* {_names(hub, state.outstanding)}\n*Concerns:*\n{concerns}"),
    ]
    if fcp.state in ("proposed", "running", "paused"):
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "action_id": "rfc_approve", "value": str(rfc.number), "style": "primary",
            "text": {"type": "plain_text", "text": "Approve"}}]})
    blocks.append(context(f"Proposed by {_names(hub, [fcp.proposed_by])} · updated {now:%Y-%m-%d %H:%M} UTC"))
    return f"{title}: {status}", blocks


def rfc_new_modal(hub: Hub, types: list[str]) -> dict:
    def option(value: str, label: str) -> dict:
        return {"text": {"type": "plain_text", "text": label[:75]}, "value": value}

    def input_block(block_id: str, label: str, element: dict, optional: bool = False) -> dict:
        return {"type": "input", "block_id": block_id, "optional": optional,
                "label": {"type": "plain_text", "text": label}, "element": {**element, "action_id": "value"}}

    return {
        "type": "modal", "callback_id": "rfc_new",
        "title": {"type": "plain_text", "text": "File an RFC"},
        "submit": {"type": "plain_text", "text": "File"},
        "blocks": [
            input_block("title", "Title", {"type": "plain_text_input", "max_length": 100}),
            input_block("sig", "Owning SIG", {"type": "static_select",
                                               "options": [option(s.id, s.name) for s in hub.sigs]}),
            input_block("type", "Type", {"type": "static_select", "initial_option": option(types[0], types[0]),
                                          "options": [option(t, t) for t in types]}),
            input_block("options", "Considered options (ids, one per line)",
                        {"type": "plain_text_input", "multiline": True}, optional=True),
            input_block("summary", "Summary", {"type": "plain_text_input", "multiline": True}, optional=True),
        ],
    }


def home(hub: Hub, person, sigs: list, meetings: list[str], waiting: list[str]) -> dict:
    blocks = [section(f"*Hello {person.name}*" if person else "*Welcome to the ML community hub*")]
    if person is None:
        blocks.append(section("Add yourself to `community/people.yaml` with your Slack member id to see "
                              "your SIGs, meetings and RFCs here."))
    blocks += [
        {"type": "header", "text": {"type": "plain_text", "text": "Your SIGs"}},
        section("\n".join(f"• *{s.name}* · `#{s.slack_channel}`" for s in sigs) or "You are in no SIG yet."),
        {"type": "header", "text": {"type": "plain_text", "text": "Next ceremonies (your time zone)"}},
        section("\n".join(meetings) or "Nothing in the next two weeks."),
        {"type": "header", "text": {"type": "plain_text", "text": "RFCs waiting for you"}},
        section("\n".join(waiting) or "Nothing is waiting for you."),
    ]
    return {"type": "home", "blocks": blocks}
