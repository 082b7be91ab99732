"""The RFC process in Slack: file, list, show, ready, final comment period (propose, approve,
concerns, cancel) and its end. Acks persist the intent; lazy listeners reconcile the pull request
branch and the live-state message with what is stored, so a retry never does anything twice."""

from __future__ import annotations

import datetime as dt
import shlex
import threading
import uuid
from collections import defaultdict
from dataclasses import replace

from bot import blocks, texts
from bot.deps import Deps
from mlhub.content.files import FileError
from mlhub.content.models import Disposition, Rfc, RfcStatus, RfcType
from mlhub.publish import PublishError
from mlhub.rfc import edit, filing
from mlhub.rfc import fcp as rules
from mlhub.rfc.lifecycle import can_move

COMMANDS = ["/rfc"]
ACTIONS = ["rfc_approve"]
VIEWS = ["rfc_new"]
SHORTCUTS: list[str] = []
EVENTS: list[str] = []

NS = uuid.UUID("5f0d8a38-0c6e-4b7e-9a57-6f2b1c1d6e11")


class Refusal(Exception):
    """Said back to the user, ephemerally; nothing was stored."""


# --- reading RFCs -----------------------------------------------------------------------------


def load_rfc(deps: Deps, number: int) -> tuple[Rfc, dict | None]:
    """The RFC as it stands: on its pull request branch when the bot filed it, else in the checkout."""
    filed = deps.store.filing(number)
    if filed:
        text = deps.publisher.read_file(filed["branch"], filed["path"], progress=lambda _: None)
        if text is None:
            raise Refusal(f"RFC {number:04d}'s file is missing from branch {filed['branch']}")
        for entry in _pending_edits(deps, number):  # acknowledged, maybe not committed yet
            text = edit.update(text, **entry.payload["fields"])
        try:
            return edit.parse(text, filed["path"]), filed
        except FileError as exc:
            raise Refusal(f"RFC {number:04d} cannot be read: {exc}") from None
    rfc = deps.hub().rfc(number)
    if rfc is None:
        raise Refusal(f"there is no RFC {number:04d}; see `/rfc list`")
    return rfc, None


def _number(arg: str, usage: str) -> int:
    if not arg.isdigit():
        raise Refusal(usage)
    return int(arg)


def _person(deps: Deps, user: str):
    person = deps.person(user)
    if person is None:
        raise Refusal(texts.NOT_A_MEMBER)
    return person


def _fcp(deps: Deps, number: int) -> rules.Fcp:
    found = deps.store.fcp(number)
    if not found:
        raise Refusal(f"RFC {number:04d} has no final comment period; an approver proposes one with `/rfc fcp`")
    return rules.from_json(found[0])


def _on_branch(filed: dict | None, number: int) -> dict:
    if filed is None:
        raise Refusal(f"RFC {number:04d} is not on an open pull request filed through the bot")
    return filed


# --- commands (run before the ack: validate, persist, answer) -------------------------------


def command(deps: Deps, user: str, text: str) -> str:
    """Handle `/rfc TEXT`; returns the ephemeral answer. Raises Refusal for bad input."""
    try:
        args = shlex.split(text)
    except ValueError:
        raise Refusal("unbalanced quotes; " + texts.UNKNOWN.format(sub=text)) from None
    sub, rest = (args[0].lower(), args[1:]) if args else ("help", [])
    if sub == "help":
        return texts.RFC_HELP
    if sub == "list":
        return list_rfcs(deps, rest)
    if sub == "show":
        if len(rest) != 1:
            raise Refusal(texts.USAGE["show"])
        rfc, filed = load_rfc(deps, _number(rest[0], texts.USAGE["show"]))
        where = f" · <{filed['url']}|pull request>" if filed and filed.get("url") else ""
        return f"*RFC {rfc.number:04d}: {rfc.title}* ({rfc.status.value}, {rfc.owning_sig}){where}"
    handlers = {"ready": ready, "fcp": propose, "approve": approve, "concern": concern,
                "resolve": resolve, "cancel": cancel}
    if sub not in handlers:
        raise Refusal(texts.UNKNOWN.format(sub=sub))
    if not rest:
        raise Refusal(texts.USAGE[sub])
    person = _person(deps, user)
    return handlers[sub](deps, person, _number(rest[0], texts.USAGE[sub]), rest[1:])


def list_rfcs(deps: Deps, rest: list[str]) -> str:
    wanted = rest[0].lower() if rest else None
    if wanted and wanted not in {s.value for s in RfcStatus}:
        raise Refusal(texts.USAGE["list"] + f"; statuses: {', '.join(s.value for s in RfcStatus)}")
    rows = {r.number: (r.status.value, r.title) for r in deps.hub().rfcs}
    for filed in deps.store.filings():
        try:
            rfc, _ = load_rfc(deps, filed["number"])
            rows[rfc.number] = (rfc.status.value, rfc.title)
        except Refusal:
            continue
    lines = [f"`{n:04d}` {status} · {title}" for n, (status, title) in sorted(rows.items())
             if not wanted or status == wanted]
    return "\n".join(lines) or "No RFC matches."


def ready(deps: Deps, person, number: int, rest: list[str]) -> str:
    if len(rest) != 1:
        raise Refusal(texts.USAGE["ready"])
    rfc, filed = load_rfc(deps, number)
    _on_branch(filed, number)
    if person.id not in rfc.authors:
        raise Refusal("only an author moves their RFC to review")
    if not can_move(rfc.status, RfcStatus.review) or rfc.status is RfcStatus.review:
        raise Refusal(f"RFC {number:04d} is {rfc.status.value}; only a draft moves to review")
    shepherd = rest[0].lstrip("@")
    if deps.hub().person(shepherd) is None:
        raise Refusal(f"unknown shepherd {shepherd!r}: give a GitHub login from community/people.yaml")
    deps.outbox.add("rfc-edit", {"number": number, "message": f"RFC {number:04d}: ready for review",
                                 "fields": {"status": "review", "shepherd": shepherd,
                                            "updated": deps.clock().date().isoformat()}})
    return f"RFC {number:04d} moves to review with {shepherd} as shepherd; committing it on its pull request."


def propose(deps: Deps, person, number: int, rest: list[str]) -> str:
    if not rest or rest[0].lower() not in {d.value for d in Disposition}:
        raise Refusal(texts.USAGE["fcp"])
    rfc, filed = load_rfc(deps, number)
    _on_branch(filed, number)
    found = deps.store.fcp(number)
    if found and rules.from_json(found[0]).state not in ("cancelled",):
        raise Refusal(f"RFC {number:04d} already has a final comment period")
    disposition = Disposition(rest[0].lower())
    option = rest[1] if len(rest) > 1 and rest[1] in rfc.options else None
    summary = " ".join(rest[2:] if option else rest[1:])
    try:
        state = rules.propose(deps.hub(), rfc, person.id, disposition, deps.clock(), option, summary)
    except rules.FcpError as exc:
        raise Refusal(str(exc)) from None
    deps.store.save_fcp(number, rules.to_json(state))
    return f"Final comment period proposed for RFC {number:04d} to {disposition.value}."


def _change(deps: Deps, person, number: int, fn) -> rules.Fcp:
    state = _fcp(deps, number)
    try:
        new = fn(deps.hub(), state)
    except rules.FcpError as exc:
        raise Refusal(str(exc)) from None
    deps.store.save_fcp(number, rules.to_json(new))
    return new


def approve(deps: Deps, person, number: int, rest: list[str]) -> str:
    new = _change(deps, person, number, lambda hub, s: rules.signoff(hub, s, person.id, deps.clock()))
    return f"Signed off RFC {number:04d}." + (" Quorum is met: the clock runs." if new.state == "running" else "")


def concern(deps: Deps, person, number: int, rest: list[str]) -> str:
    if not rest or len(rest) > 2 or (len(rest) == 2 and rest[1] != "non-blocking"):
        raise Refusal(texts.USAGE["concern"])
    blocking = len(rest) == 1
    _change(deps, person, number, lambda hub, s: rules.raise_concern(hub, s, person.id, rest[0], deps.clock(),
                                                                     blocking))
    return f"Concern `{rest[0]}` raised on RFC {number:04d}" + (" (the clock pauses)." if blocking else ".")


def resolve(deps: Deps, person, number: int, rest: list[str]) -> str:
    if len(rest) != 1:
        raise Refusal(texts.USAGE["resolve"])
    _change(deps, person, number, lambda hub, s: rules.resolve_concern(hub, s, person.id, rest[0], deps.clock()))
    return f"Concern `{rest[0]}` on RFC {number:04d} is resolved."


def cancel(deps: Deps, person, number: int, rest: list[str]) -> str:
    _change(deps, person, number, lambda hub, s: rules.cancel(hub, s, person.id))
    return f"The final comment period of RFC {number:04d} is cancelled; the RFC goes back to review."


# --- reconciling (after the ack): branch, live message, announcements ------------------------


def _pending_edits(deps: Deps, number: int):
    return [e for e in deps.outbox.entries("pending") if e.kind == "rfc-edit" and e.payload["number"] == number]


def apply_edits(deps: Deps, number: int) -> None:
    """Commit the stored edits of an RFC (status changes) on its pull request branch."""
    filed = deps.store.filing(number)
    for entry in _pending_edits(deps, number) if filed else []:
        text = deps.publisher.read_file(filed["branch"], filed["path"], progress=lambda _: None)
        new = edit.update(text, **entry.payload["fields"])
        deps.publisher.update_file(filed["branch"], filed["path"], new, entry.payload["message"],
                                   progress=lambda _: None)
        deps.outbox.update(entry.id, state="done", message="committed")


def _want_on_branch(state: rules.Fcp, decided: dt.date | None) -> dict:
    if state.state == "running":
        return {"status": "fcp", "decision": {k: v for k, v in rules.decision_block(state, dt.date.today()).items()
                                              if k in ("disposition", "chosen_option", "fcp_start", "fcp_end",
                                                       "signoffs")}}
    if state.state == "decided":
        outcome = {"accept": "accepted", "reject": "rejected", "postpone": "postponed"}[state.disposition.value]
        return {"status": outcome, "decision": rules.decision_block(state, decided or dt.date.today()),
                "updated": (decided or dt.date.today()).isoformat()}
    return {}


_sync_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)


def sync(deps: Deps, client, number: int) -> None:
    """Make the branch and the live-state message match the stored state. Safe to repeat; one at
    a time per RFC, so a slower follow-up never writes an older state over a newer one."""
    with _sync_locks[number]:
        _sync(deps, client, number)


def _sync(deps: Deps, client, number: int) -> None:
    apply_edits(deps, number)
    found = deps.store.fcp(number)
    if not found:
        return
    data, channel, ts = found
    state = rules.from_json(data)
    rfc, filed = load_rfc(deps, number)
    hub = deps.hub()
    now = deps.clock()
    decided_on = dt.date.fromisoformat(data["decided_on"]) if data.get("decided_on") else None
    fields = _want_on_branch(state, decided_on)
    if state.state == "cancelled" and rfc.status is RfcStatus.fcp:
        fields = {"status": "review", "decision": None}
    if fields and filed and (rfc.status.value != fields["status"] or fields["status"] == "fcp"):
        text = deps.publisher.read_file(filed["branch"], filed["path"], progress=lambda _: None)
        deps.publisher.update_file(filed["branch"], filed["path"], edit.update(text, **fields),
                                   f"RFC {number:04d}: {fields['status']}", progress=lambda _: None)
        rfc, filed = load_rfc(deps, number)
    text, msg_blocks = blocks.fcp_message(hub, rfc, state, now, filed.get("url") if filed else None)
    sig = hub.sig(state.sig)
    if ts:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=msg_blocks)
    elif sig:
        resp = client.chat_postMessage(channel=f"#{sig.slack_channel}", text=text, blocks=msg_blocks)
        deps.store.set_message(number, resp["channel"], resp["ts"])
    if state.state == "decided" and not data.get("announced") and sig:
        client.chat_postMessage(channel=f"#{sig.slack_channel}",
                                text=f"RFC {number:04d} ({rfc.title}) is *{rfc.status.value}*. {state.summary}")
        deps.store.save_fcp(number, {**rules.to_json(state), "decided_on": data.get("decided_on"),
                                     "announced": True})


def tick(deps: Deps, client) -> list[int]:
    """End every final comment period whose clock ran out; returns the RFCs decided."""
    now = deps.clock()
    decided = []
    for data in deps.store.fcps():
        state = rules.from_json(data)
        if rules.due(state, now):
            hub = deps.hub()
            sig = hub.sig(state.sig)
            local = now.astimezone(rules.sig_zone(hub, sig)).date() if sig else now.date()
            deps.store.save_fcp(state.rfc, {**rules.to_json(replace(state, state="decided")),
                                            "decided_on": local.isoformat()})
            decided.append(state.rfc)
    for number in decided:
        sync(deps, client, number)
    return decided


# --- filing from the modal -----------------------------------------------------------------------


def _value(view: dict, block: str):
    value = view["state"]["values"].get(block, {}).get("value", {})
    return (value.get("selected_option") or {}).get("value") if "selected_option" in value else value.get("value")


def submission(deps: Deps, user: str, view: dict) -> tuple[str | None, dict]:
    """Validate and store a filing request from the modal. Returns (outbox id, errors by block)."""
    person = deps.person(user)
    if person is None:
        return None, {"title": texts.NOT_A_MEMBER}
    options = [o.strip() for o in (_value(view, "options") or "").replace(",", "\n").splitlines() if o.strip()]
    req = filing.RfcRequest(title=(_value(view, "title") or "").strip(), sig=_value(view, "sig") or "",
                            author=person.id, type=_value(view, "type") or RfcType.decision.value,
                            options=options, summary=(_value(view, "summary") or "").strip() or None)
    problems = filing.problems(deps.hub(), req)
    if problems:
        errors = {}
        for p in problems:
            block = {"title": "title", "--sig": "sig", "--type": "type", "--option": "options"}.get(
                p.split(":", 1)[0], "title")
            errors.setdefault(block, p.split(":", 1)[1].strip())
        return None, errors
    entry_id = str(uuid.uuid5(NS, view["id"]))
    return filing.submit(deps.hub(), deps.outbox, req, deps.clock().date(), entry_id), {}


def publish_filing(deps: Deps, client, user: str, entry_id: str) -> None:
    try:
        out = filing.resume(deps.config.hub.root, deps.hub(), deps.publisher, deps.outbox, entry_id,
                            progress=lambda _: None)
    except PublishError as exc:
        client.chat_postMessage(channel=user, text=f"Your RFC is stored but not published yet: {exc}")
        return
    result = deps.outbox.get(entry_id).journal["result"]
    number = int(deps.outbox.get(entry_id).journal["number"])
    deps.store.add_filing(number, result["branch"], result["path"], result["url"], user, entry_id)
    where = f"<{out.url}|pull request #{out.number}>" if out.url else f"branch `{out.branch}`"
    client.chat_postMessage(channel=user, text=f"RFC {number:04d} is filed: {where}.")


# --- registration ----------------------------------------------------------------------------------


def register(app, deps: Deps) -> None:
    def on_command(ack, body, client, respond):
        text = body.get("text", "")
        if text.strip().lower() == "new":
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.rfc_new_modal(deps.hub(), [t.value for t in RfcType]))
            return ack()
        try:
            ack(response_type="ephemeral", text=command(deps, body["user_id"], text))
        except Refusal as exc:
            ack(response_type="ephemeral", text=str(exc))

    def after_command(body, client):
        args = body.get("text", "").split()
        if len(args) >= 2 and args[1].isdigit() and args[0].lower() in (
                "ready", "fcp", "approve", "concern", "resolve", "cancel"):
            try:
                sync(deps, client, int(args[1]))
            except Refusal:
                pass

    app.command("/rfc")(ack=on_command, lazy=[after_command])

    def on_approve(ack, body, client):
        user = body["user"]["id"]
        number = int(body["actions"][0]["value"])
        try:
            answer = approve(deps, _person(deps, user), number, [])  # persisted before the ack
        except Refusal as exc:
            answer = str(exc)
        ack()
        client.chat_postEphemeral(channel=body["channel"]["id"], user=user, text=answer)

    def after_approve(body, client):
        sync(deps, client, int(body["actions"][0]["value"]))

    app.action("rfc_approve")(ack=on_approve, lazy=[after_approve])

    def on_submit(ack, body):
        entry_id, errors = submission(deps, body["user"]["id"], body["view"])
        if errors:
            return ack(response_action="errors", errors=errors)
        ack()

    def after_submit(body, client):
        entry_id = str(uuid.uuid5(NS, body["view"]["id"]))
        try:
            deps.outbox.get(entry_id)
        except KeyError:
            return  # the submission was refused
        client.chat_postMessage(channel=body["user"]["id"], text="Filing your RFC: I'll post the pull request here.")
        publish_filing(deps, client, body["user"]["id"], entry_id)

    app.view("rfc_new")(ack=on_submit, lazy=[after_submit])
