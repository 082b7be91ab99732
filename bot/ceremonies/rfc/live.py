"""An RFC's state outside the store, made to match it after the ack: the pull request branch (status
and decision block, committed through the publisher) and the one live-state message in the SIG
channel. Safe to repeat; one sync at a time per RFC across processes (a store lock), so a slower
follow-up never writes an older state over a newer one."""

from __future__ import annotations

import datetime as dt
import logging

from bot.blocks import fcp_message
from bot.coalesce import Coalesced
from bot.deps import Deps
from bot.mrkdwn import clip, safe
from bot.publishing import Desk, finish
from bot.refusal import Refusal
from mlhub.content.files import FileError
from mlhub.content.models import Rfc, RfcStatus
from mlhub.publish import PublishError
from mlhub.publish.outbox import EntryState
from mlhub.rfc import edit
from mlhub.rfc import fcp as rules
from mlhub.rfc.fcp import FcpState
from mlhub.rfc.lifecycle import OUTCOME

log = logging.getLogger("mlhub.bot.rfc")
FCP_FIELDS = ("disposition", "chosen_option", "fcp_start", "fcp_end", "signoffs")
NO_PROGRESS = lambda _: None  # noqa: E731 takes


def pending_edits(deps: Deps, number: int) -> list:
    return [e for e in deps.outbox.entries(EntryState.pending)
            if e.kind == "rfc-edit" and e.payload["number"] == number]


def load_rfc(deps: Deps, number: int) -> tuple[Rfc, dict | None]:
    """The RFC as it stands: the file the bot last saw on its pull request branch with the edits
    acknowledged since, when the bot filed it; else the one in the checkout. Reads no network
    except once for a filing stored before the bot kept its text."""
    filed = deps.store.filing(number)
    if filed:
        text = filed["text"]
        if text is None:
            text = deps.publisher.read_file(filed["branch"], filed["path"], progress=NO_PROGRESS)
            if text is None:
                raise Refusal(f"RFC {number:04d}'s file is missing from branch {filed['branch']}")
            deps.store.set_filing_text(number, text)
        for entry in pending_edits(deps, number):
            text = edit.update(text, **entry.payload["fields"])
        try:
            return edit.parse(text, filed["path"]), filed
        except FileError as exc:
            raise Refusal(f"RFC {number:04d} cannot be read: {exc}") from None
    rfc = deps.hub().rfc(number)
    if rfc is None:
        raise Refusal(f"there is no RFC {number:04d}; see `/rfc list`")
    return rfc, None


def _commit(deps: Deps, filed: dict, fields: dict, message: str) -> None:
    text = deps.publisher.read_file(filed["branch"], filed["path"], progress=NO_PROGRESS)
    if text is None:
        raise Refusal(f"RFC {filed['number']:04d}'s file is missing from branch {filed['branch']}")
    new = edit.update(text, **fields)
    deps.publisher.update_file(filed["branch"], filed["path"], new, message, progress=NO_PROGRESS)
    deps.store.set_filing_text(filed["number"], new)


def apply_edits(deps: Deps, number: int) -> None:
    """Commit the stored edits of an RFC (status changes) on its pull request branch."""
    filed = deps.store.filing(number)
    if filed is None:
        return
    for entry in pending_edits(deps, number):  # in order; the first one left for later stops the rest
        outcome = finish(Desk.of(deps), entry.id)
        if outcome.left or outcome.busy:
            raise PublishError(outcome.text)


def wanted(fcp: rules.Fcp, today: dt.date, decided_on: str | None) -> dict:
    """The front matter an FCP's state asks for on the branch."""
    if fcp.state is FcpState.running:
        return {"status": RfcStatus.fcp.value,
                "decision": {k: v for k, v in rules.decision_block(fcp, today).items() if k in FCP_FIELDS}}
    if fcp.state is FcpState.decided:
        day = dt.date.fromisoformat(decided_on) if decided_on else today
        return {"status": OUTCOME[fcp.disposition].value, "decision": rules.decision_block(fcp, day),
                "updated": day.isoformat()}
    return {}


def sync(deps: Deps, client, number: int) -> bool:
    """Make the branch and the live message match the store, after a change was committed; a burst
    of changes to one RFC coalesces (bot.coalesce). True if this call ran the sync."""
    runs = deps.caches.get("rfc-sync") or deps.caches.setdefault("rfc-sync", Coalesced())

    def work() -> None:
        with deps.store.lock(f"rfc-sync-{number}"):
            _sync(deps, client, number)

    return runs.run(str(number), work)


def _sync(deps: Deps, client, number: int) -> None:
    apply_edits(deps, number)
    row = deps.store.fcp(number)
    if row is None:
        return
    fcp, hub, now = row.fcp, deps.hub(), deps.clock()
    sig = hub.sig(fcp.sig)
    today = now.astimezone(rules.sig_zone(hub, sig)).date() if sig else now.date()
    rfc, filed = load_rfc(deps, number)
    fields = wanted(fcp, today, row.decided_on)
    if fcp.state is FcpState.cancelled and rfc.status is RfcStatus.fcp:
        fields = {"status": RfcStatus.review.value, "decision": None}
    if fields and filed and (rfc.status.value != fields["status"] or fields["status"] == RfcStatus.fcp.value):
        _commit(deps, filed, fields, f"RFC {number:04d}: {fields['status']}")
        rfc, filed = load_rfc(deps, number)
    text, blocks = fcp_message(hub, rfc, fcp, now, filed.get("url") if filed else None)
    if row.ts and row.channel:
        client.chat_update(channel=row.channel, ts=row.ts, text=text, blocks=blocks)
    elif sig:
        posted = deps.channels.post_once(client, f"fcp-live:{number}", sig.slack_channel, text, blocks)
        if posted:
            deps.store.set_message(number, posted["channel"], posted["ts"])
    if fcp.state is FcpState.decided and not row.announced and sig:
        text = f"RFC {number:04d} ({safe(rfc.title)}) is *{rfc.status.value}*. {clip(safe(fcp.summary), 2500)}"
        if deps.channels.post_once(client, f"fcp-end:{number}", sig.slack_channel, text):
            deps.store.mark_announced(number)


def decide_if_due(deps: Deps, number: int, now: dt.datetime) -> bool:
    """End an FCP whose clock ran out: re-read, decide() and write in one transaction under the
    FCP's lock, so a replica that read it before cannot decide it again. True if this call did."""
    hub = deps.hub()
    with deps.store.transaction(f"fcp-{number}"):
        row = deps.store.fcp(number)
        if row is None or not rules.due(row.fcp, now):
            return False
        sig = hub.sig(row.fcp.sig)
        local = now.astimezone(rules.sig_zone(hub, sig)).date() if sig else now.date()
        deps.store.save_fcp(rules.decide(row.fcp, now), decided_on=local.isoformat())
    return True


def tick(deps: Deps, client, now: dt.datetime) -> list[int]:
    """End every final comment period whose clock ran out; returns the RFCs decided."""
    decided, unannounced = [], []
    for row in deps.store.fcps():
        if rules.due(row.fcp, now):
            if decide_if_due(deps, row.fcp.rfc, now):
                decided.append(row.fcp.rfc)
        elif row.fcp.state is FcpState.decided and not row.announced:
            unannounced.append(row.fcp.rfc)  # an earlier tick decided it; posting failed then
    for number in decided + unannounced:
        log.info("RFC %04d decided", number)
        sync(deps, client, number)
    return decided
