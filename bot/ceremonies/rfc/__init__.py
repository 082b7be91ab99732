"""The RFC process in Slack: file (a form), list, show, ready, and the final comment period
(propose, approve by command or button, concerns, cancel) with its end on time. The ack stores the
intent; follow-ups reconcile the pull request branch and the live message (live.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from bot import blocks, delivery, slash
from bot.ceremonies.rfc import commands as c
from bot.ceremonies.rfc import publications  # noqa: F401  (registers the RFC kinds of publication)
from bot.ceremonies.rfc.live import load_rfc, sync, tick
from bot.deps import Deps
from bot.mrkdwn import link, safe
from bot.publishing import Desk, announce, finish
from bot.refusal import Refusal
from bot.slash import After, Ask, Follow
from bot.words import rest, split
from mlhub.content.models import Person, RfcStatus, RfcType
from mlhub.publish.outbox import EntryState
from mlhub.rfc import fcp as rules
from mlhub.rfc import filing
from mlhub.rfc.lifecycle import can_move

COMMAND = "/rfc"
ACTIONS = ["rfc_approve"]
VIEWS = ["rfc_new"]
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
NS = uuid.UUID("5f0d8a38-0c6e-4b7e-9a57-6f2b1c1d6e11")


def _fcp(deps: Deps, number: int) -> rules.Fcp:
    row = deps.store.fcp(number)
    if row is None:
        raise Refusal(f"RFC {number:04d} has no final comment period; an approver proposes one with `/rfc fcp`")
    return row.fcp


def _on_branch(filed: dict | None, number: int) -> dict:
    if filed is None:
        raise Refusal(f"RFC {number:04d} is not on an open pull request filed through the bot")
    return filed


def fcp_lock(number: int) -> str:
    """The name every change of an RFC's final comment period locks (with its transaction)."""
    return f"fcp-{number}"


def _change(deps: Deps, number: int, move: Callable[[rules.Fcp], rules.Fcp]) -> rules.Fcp:
    """Read, apply the rules, write: one transaction holding the FCP's lock."""
    with deps.store.transaction(fcp_lock(number)):
        try:
            new = move(_fcp(deps, number))
        except rules.FcpError as exc:
            raise Refusal(str(exc)) from None
        deps.store.save_fcp(new)
    return new


def listing(deps: Deps, status: RfcStatus | None) -> str:
    rows = {r.number: (r.status.value, r.title) for r in deps.hub().rfcs}
    for filed in deps.store.filings():
        try:
            rfc, _ = load_rfc(deps, filed["number"])
        except Refusal:
            continue
        rows[rfc.number] = (rfc.status.value, rfc.title)
    lines = [f"`{n:04d}` {s} · {safe(title, 200)}" for n, (s, title) in sorted(rows.items())
             if status is None or s == status.value]
    return "\n".join(lines) or "No RFC matches."


def approve(deps: Deps, person: Person, number: int) -> str:
    new = _change(deps, number, lambda f: rules.signoff(deps.hub(), f, person.id, deps.clock()))
    met = new.state is rules.FcpState.running
    return f"Signed off RFC {number:04d}." + (" Quorum is met: the clock runs." if met else "")


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    """Execute one /rfc command before the ack: validate, store, and say what happened."""
    if isinstance(cmd, c.Help):
        return c.HELP
    if isinstance(cmd, c.New):
        ask.member()
        return ""  # the form opens after the ack
    if isinstance(cmd, c.List):
        return listing(deps, cmd.status)
    if isinstance(cmd, c.Show):
        rfc, filed = load_rfc(deps, cmd.number)
        where = f" · {link(filed['url'], 'pull request')}" if filed and filed.get("url") else ""
        return f"*RFC {rfc.number:04d}: {safe(rfc.title)}* ({rfc.status.value}, {rfc.owning_sig}){where}"
    person = ask.member()
    if isinstance(cmd, c.Approve):
        return approve(deps, person, cmd.number)
    if isinstance(cmd, c.Concern):
        _change(deps, cmd.number, lambda f: rules.raise_concern(deps.hub(), f, person.id, cmd.name, deps.clock(),
                                                                cmd.blocking))
        return f"Concern `{cmd.name}` raised on RFC {cmd.number:04d}" + (" (the clock pauses)." if cmd.blocking
                                                                          else ".")
    if isinstance(cmd, c.Resolve):
        _change(deps, cmd.number, lambda f: rules.resolve_concern(deps.hub(), f, person.id, cmd.name, deps.clock()))
        return f"Concern `{cmd.name}` on RFC {cmd.number:04d} is resolved."
    if isinstance(cmd, c.Cancel):
        _change(deps, cmd.number, lambda f: rules.cancel(deps.hub(), f, person.id))
        return f"The final comment period of RFC {cmd.number:04d} is cancelled; the RFC goes back to review."
    rfc, filed = load_rfc(deps, cmd.number)
    _on_branch(filed, cmd.number)
    if isinstance(cmd, c.Ready):
        if person.id not in rfc.authors:
            raise Refusal("only an author moves their RFC to review")
        if not can_move(rfc.status, RfcStatus.review) or rfc.status is RfcStatus.review:
            raise Refusal(f"RFC {cmd.number:04d} is {rfc.status.value}; only a draft moves to review")
        if deps.hub().person(cmd.shepherd) is None:
            raise Refusal(f"unknown shepherd {safe(cmd.shepherd, 60)!r}: give a GitHub login from "
                          "community/people.yaml")
        deps.outbox.add("rfc-edit", {"number": cmd.number, "message": f"RFC {cmd.number:04d}: ready for review",
                                     "fields": {"status": "review", "shepherd": cmd.shepherd,
                                                "updated": deps.clock().date().isoformat()}},
                        entry_id=str(uuid.uuid5(NS, f"ready:{cmd.number}:{cmd.shepherd}")))
        return (f"RFC {cmd.number:04d} moves to review with {cmd.shepherd} as shepherd; committing it on its "
                "pull request.")
    # Propose: whether there is one already and storing it are one step
    words = split(cmd.rest)
    option = words[0].text if words and words[0].text in rfc.options else None
    summary = rest(cmd.rest, words, 1) if option else cmd.rest
    with deps.store.transaction(fcp_lock(cmd.number)):
        row = deps.store.fcp(cmd.number)
        if row and row.fcp.state is not rules.FcpState.cancelled:
            raise Refusal(f"RFC {cmd.number:04d} already has a final comment period")
        try:
            state = rules.propose(deps.hub(), rfc, person.id, cmd.disposition, deps.clock(), option, summary)
        except rules.FcpError as exc:
            raise Refusal(str(exc)) from None
        deps.store.save_fcp(state, decided_on=None, announced=False)
    return f"Final comment period proposed for RFC {cmd.number:04d} to {cmd.disposition.value}."


def _reconcile(deps: Deps, after: After, cmd) -> None:
    sync(deps, after.client, cmd.number)


def _open_form(deps: Deps, after: After, cmd: c.New) -> None:
    after.open_modal(blocks.rfc_new_modal(deps.hub().sigs, [t.value for t in RfcType]), "/rfc new")


# --- filing from the form ----------------------------------------------------------------------------------


def _value(view: dict, block: str) -> str:
    value = view["state"]["values"].get(block, {}).get("value", {})
    if "selected_option" in value:
        return (value.get("selected_option") or {}).get("value") or ""
    return value.get("value") or ""


def submission(deps: Deps, person: Person | None, view: dict) -> tuple[str | None, dict]:
    """Validate and store a filing request from the form. Returns (outbox id, errors by block); the
    id is None when the form was already submitted (the request is stored once per form)."""
    if person is None:
        return None, {"title": slash.NOT_A_MEMBER}
    options = [o.strip() for o in _value(view, "options").replace(",", "\n").splitlines() if o.strip()]
    req = filing.RfcRequest(title=_value(view, "title").strip(), sig=_value(view, "sig"), author=person.id,
                            type=_value(view, "type") or RfcType.decision.value, options=options,
                            summary=_value(view, "summary").strip() or None)
    problems = filing.problems(deps.hub(), req)
    if problems:
        errors: dict[str, str] = {}
        for p in problems:
            block = {"title": "title", "--sig": "sig", "--type": "type", "--option": "options"}.get(
                p.split(":", 1)[0], "title")
            errors.setdefault(block, p.split(":", 1)[1].strip())
        return None, errors
    entry_id = str(uuid.uuid5(NS, view["id"]))
    try:
        deps.outbox.get(entry_id)
        return None, {}  # submitted before: filed (or being filed) already
    except KeyError:
        return filing.submit(deps.hub(), deps.outbox, req, deps.clock().date(), entry_id), {}


def publish_filing(deps: Deps, client, user: str, entry_id: str) -> None:
    """Publish a stored filing; its author hears the pull request (bot.publishing.announce: once,
    also when another worker or `mlhub outbox retry` finished it), or why it is not there yet."""
    outcome = finish(Desk.of(deps), entry_id)
    if outcome.busy:
        return  # another worker files it, and it is told
    if outcome.entry.state is not EntryState.done:
        client.chat_postMessage(channel=user, text=safe(outcome.text))
        return
    announce(deps, client, entry_id)


# --- registration -----------------------------------------------------------------------------------------


def register(app, deps: Deps) -> None:
    follow: dict[type, Follow] = {c.New: _open_form, **{t: _reconcile for t in c.CHANGES}}
    deps.commands.add(COMMAND, c.parse, run, follow, changes=c.CHANGES)

    def on_approve(ack, body, context):
        number = int(body["actions"][0]["value"])
        first = delivery.once(deps.store, delivery.action_key(body), lambda: approve(
            deps, Ask(body["user"]["id"], context.get("person"), "").member(), number))  # stored before the ack
        context["answer"], context["refused"] = first.text, first.refused or first.replayed
        ack()

    def after_approve(body, context, client, respond):
        respond(text=context["answer"], response_type="ephemeral", replace_original=False)
        if not context.get("refused"):
            sync(deps, client, int(body["actions"][0]["value"]))

    app.action("rfc_approve")(ack=on_approve, lazy=[after_approve])

    def on_submit(ack, body, context):
        entry_id, errors = submission(deps, context.get("person"), body["view"])
        if errors:
            return ack(response_action="errors", errors=errors)
        context["entry"] = entry_id
        ack()

    def after_submit(body, context, client):
        if not context.get("entry"):
            return
        user = body["user"]["id"]
        client.chat_postMessage(channel=user, text="Filing your RFC: I'll post the pull request here.")
        publish_filing(deps, client, user, context["entry"])

    app.view("rfc_new")(ack=on_submit, lazy=[after_submit])
    deps.jobs.every_tick(tick)
