"""Community requests in Slack: file one (`/request new`, or the message shortcut "Request this for
the platform"; similar open requests are offered first), support one (the Support button on its
message, or `/request support`; one vote per person, by the store's key), the hosts accept one into
the roadmap or decline it with a reason (the change goes to requests/ as a pull request, and the
requester and every supporter hear about it), and the tally published on a schedule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid

from slack_sdk.errors import SlackApiError

from bot import blocks, delivery
from bot.ceremonies.requests import commands as c
from bot.ceremonies.requests import texts
from bot.ceremonies.requests.publications import MERGE, SNAPSHOT, STATUS, TALLY, find, live
from bot.deps import Deps
from bot.mrkdwn import clip, plain, safe
from bot.publishing import Desk, already, announce, finish, publish_pending
from bot.refusal import Refusal
from bot.slash import NOT_A_MEMBER, After, Ask
from mlhub.content.models import Person, RequestStatus
from mlhub.publish.outbox import WITHDRAWN, EntryState
from mlhub.requests import duplicates, filing, status, tally, text
from mlhub.requests.filing import NewRequest

COMMAND = "/request"
ACTIONS = ["request_support"]
VIEWS = ["request_new"]
SHORTCUTS = ["request_message"]
EVENTS: list[str] = []
NS = uuid.UUID("5e0c9f7a-3b1d-4c2e-8f6a-7d9b0c1e2f3a")
TALLY_EVERY = dt.timedelta(hours=1)  # how often votes become a pull request (when they changed anything)
NOTIFY_LEASE = dt.timedelta(minutes=5)  # a notifier that died is replaced after this long
log = logging.getLogger("mlhub.bot.requests")


# --- support -------------------------------------------------------------------------------------------------


def vote(deps: Deps, person: Person, rid: str) -> str:
    req = find(deps, rid)
    if req.status not in status.SUPPORTABLE:
        raise Refusal(f"*{safe(req.title)}* is {req.status.value}: only open and planned requests take support")
    if not person.team:
        raise Refusal("your team counts with your vote: add `team` to your entry in community/people.yaml first")
    if person.id in req.tally.supporters or not deps.store.add_vote(req.id, person.id, person.team, person.slack_id):
        return f"You support *{safe(req.title)}* already: one vote per person."
    now = live(deps, req)
    return texts.supported(req, now)


# --- commands ------------------------------------------------------------------------------------------------


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    if isinstance(cmd, c.Help):
        return c.HELP
    hub = deps.hub()
    if isinstance(cmd, c.List):
        shown = [r for r in tally.rank(hub.requests) if cmd.filter is None or cmd.filter == r.sig
                 or cmd.filter in r.services]
        return clip("\n".join(texts.line(r, live(deps, r)) for r in shown) or "No request matches.", 39_000)
    if isinstance(cmd, c.Show):
        req = find(deps, cmd.id)
        return texts.detail(hub, req, live(deps, req))
    person = ask.member()
    if isinstance(cmd, c.New):
        return ""  # the form opens after the ack
    if isinstance(cmd, c.Support):
        return vote(deps, person, cmd.id)
    hosts = deps.ceremonies().ml_sync.hosts
    if person.id not in hosts:
        raise Refusal(f"only the ML Sync hosts ({', '.join(hosts)}) accept, decline or merge requests")
    if isinstance(cmd, c.Merge):
        return merge(deps, person, cmd)
    found = hub.request(cmd.id)
    if found is None:
        raise Refusal(f"no request {safe(cmd.id, 64)!r} in the repository; see `/request list`")
    req = found
    try:
        if isinstance(cmd, c.Accept):
            if hub.roadmap is None or all(i.id != cmd.item for i in hub.roadmap.items):
                items = ", ".join(i.id for i in hub.roadmap.items) if hub.roadmap else "none"
                raise Refusal(f"no roadmap item {safe(cmd.item, 64)!r}; items: {items}")
            new = status.moved(req, RequestStatus.planned, roadmap_item=cmd.item)
        else:
            new = status.moved(req, RequestStatus.declined, reason=cmd.reason)
    except ValueError as exc:
        raise Refusal(str(exc)) from None
    payload = {"id": req.id, "status": new.status.value, "by": person.id, "file": text.dump(new), "title": req.title,
               "reason": new.reason, "item": new.roadmap_item}
    key = f"{req.id}:{new.status.value}:{new.reason}:{new.roadmap_item}"  # the same decision, one entry
    entry = deps.outbox.add(STATUS.name, payload, entry_id=str(uuid.uuid5(NS, key)))
    if done := already(entry, STATUS.what(entry)):
        return done
    return texts.decided(new)


def merge(deps: Deps, person: Person, cmd: c.Merge) -> str:
    """A host merges a duplicate: stored in the outbox (the same entry as `mlhub request merge`
    of the same two requests), published after the ack."""
    try:  # the rule of duplicates.open_merge: neither request in another merge not yet in the repository
        payload = duplicates.merge_payload(deps.hub(), cmd.id, cmd.into, person.id,
                                           deps.outbox.entries(kind=MERGE.name))
    except ValueError as exc:
        raise Refusal(safe(str(exc).replace("`mlhub request list`", "`/request list`"), 800)) from None
    entry = deps.outbox.add(MERGE.name, payload, entry_id=duplicates.merge_id(cmd.id, cmd.into))
    if done := already(entry, MERGE.what(entry)):
        return done
    return texts.merging(payload)


def publish_status(deps: Deps, after: After, cmd: c.Accept | c.Decline | c.Merge) -> None:
    """The changes of status (and merges) waiting in the outbox as pull requests
    (bot.publishing); then the requester and every supporter hear about each one published."""
    for outcome in publish_pending(deps, after.say, MERGE.name if isinstance(cmd, c.Merge) else STATUS.name):
        if outcome.entry.state is EntryState.failed:  # the host heard it just now (after.say)
            _told(deps, _failed_key(outcome.entry))
    notify_decisions(deps, after.client, deps.clock())


FAILED = "request-failed:"  # the store's claims of telling a host that their decision failed for good


def _failed_key(entry) -> str:
    return f"{FAILED}{entry.id}:{entry.attempts}"  # stored again and failed again: told again


def _told(deps: Deps, key: str) -> None:
    mine, _ = deps.store.claim(key, NOTIFY_LEASE)
    if mine:
        deps.store.finish(key, None)


def notify_failed(deps: Deps, client) -> None:
    """A change of status or merge that failed for good where nobody heard it (the bot's retry
    of an entry stored earlier): the host who decided it is told, once."""
    for entry in [e for kind in (STATUS.name, MERGE.name) for e in deps.outbox.entries(EntryState.failed, kind)]:
        key = _failed_key(entry)
        host = deps.hub().person(entry.payload.get("by") or "")
        if host is None or entry.message.startswith(WITHDRAWN) or deps.store.done(key):  # who withdrew it knows
            continue
        mine, _ = deps.store.claim(key, NOTIFY_LEASE)
        if not mine:
            continue
        kind = MERGE if entry.kind == MERGE.name else STATUS
        try:
            client.chat_postMessage(channel=host.slack_id, text=clip(
                f"{kind.what(entry)}: not published, and trying again cannot publish it ({safe(entry.message)}). "
                "`mlhub outbox list` shows it; deciding it again once what is in its way is gone stores it anew.",
                3000))
        except SlackApiError as exc:
            log.warning("could not tell %s that %s failed: %s", host.id, entry.id[:8], exc.response.get("error"))
        deps.store.finish(key, None)


def notify_decisions(deps: Deps, client, now: dt.datetime) -> None:
    """Every tick too: a published change of status or merge (by the bot or `mlhub outbox retry`)
    told to the requester and every supporter, each once (a claim per person, with a lease); one
    that failed for good told to its host (notify_failed)."""
    notify_failed(deps, client)
    for entry in [e for kind in (STATUS.name, MERGE.name) for e in deps.outbox.entries(EntryState.done, kind)]:
        key = f"request-notify:{entry.id}"
        if deps.store.done(key):
            continue
        url = (entry.journal.get("pull") or {}).get("url")
        left = False
        for user in _audience(deps, entry.payload["id"]):
            mine, _ = deps.store.claim(f"{key}:{user}", NOTIFY_LEASE)
            if not mine:
                left = left or not deps.store.done(f"{key}:{user}")
                continue
            try:
                client.chat_postMessage(channel=user, text=texts.changed(entry.payload, url))
            except SlackApiError as exc:  # one closed DM does not keep the others from hearing it
                log.warning("could not tell %s about request %s: %s", user, entry.payload["id"],
                            exc.response.get("error"))
            deps.store.finish(f"{key}:{user}", None)
        if not left:
            deps.store.finish(key, None)


def _audience(deps: Deps, rid: str) -> list[str]:
    """The Slack ids of a request's requester and supporters (published and live), each once."""
    hub = deps.hub()
    req = hub.request(rid)
    return list(dict.fromkeys(
        ([person.slack_id] if req and (person := hub.person(req.requested_by)) else [])
        + [x.slack_id for pid in (req.tally.supporters if req else []) if (x := hub.person(pid))]
        + deps.store.supporters(rid)))


# --- filing from the form ------------------------------------------------------------------------------------

FIELD_OF = {"title": "title", "--problem": "problem", "--service": "services", "--team": "team",
            "--sig": "services", "--by": "title"}


def _value(view: dict, block: str) -> str:
    found = view["state"]["values"].get(block, {}).get("value", {})
    return ((found.get("value") or (found.get("selected_option") or {}).get("value")) or "").strip()


def submission(deps: Deps, person: Person | None, view: dict) -> dict:
    """Check and store a filing (the outbox); errors by block, empty when stored."""
    if person is None:
        return {"title": NOT_A_MEMBER}
    hub = deps.hub()
    services = [s.strip() for s in _value(view, "services").replace(",", " ").split() if s.strip()]
    new = NewRequest(title=_value(view, "title"), problem=_value(view, "problem"), requested_by=person.id,
                     services=services, team=_value(view, "team") or None)
    errors: dict[str, str] = {}
    for line in filing.problems(hub, filing.completed(hub, new)):
        key, _, msg = line.partition(": ")
        errors.setdefault(FIELD_OF.get(key, "title"), clip(msg, 300))
    if errors:
        return errors
    matches = duplicates.similar(hub.requests, new.title, new.problem, new.services)
    if matches and _value(view, "duplicates") != "file":
        return {"problem": clip(texts.similar(matches), 300)}
    filing.submit(hub, deps.outbox, new, deps.clock().date(), entry_id=str(uuid.uuid5(NS, view["id"])))
    return {}


def publish_filing(deps: Deps, client, user: str, entry_id: str) -> None:
    """Publish a stored filing (bot.publishing); the request is posted with its Support button in
    the SIG's channel and the requester hears the pull request (publications.announce_filing: once,
    also when another worker or `mlhub outbox retry` finished it), or why it is not there yet."""
    outcome = finish(Desk.of(deps), entry_id)
    if outcome.busy:
        return
    if outcome.entry.state is not EntryState.done:
        client.chat_postMessage(channel=user, text=safe(outcome.text))
        return
    announce(deps, client, entry_id)


# --- the tally on a schedule --------------------------------------------------------------------------------


def publish_tally(deps: Deps, client, now: dt.datetime) -> str | None:
    """Every tick (one process at a time, under the ticker's lock): at most every TALLY_EVERY, the
    tallies the stored votes changed, as one outbox entry and pull request; none when nothing
    changed. Returns the pull request's URL or branch when one was published."""
    last = deps.store.snapshot(SNAPSHOT) or {}
    if last.get("at") and now - dt.datetime.fromisoformat(last["at"]) < TALLY_EVERY:
        return None
    hub = deps.hub()
    for merged in hub.requests:  # a merge landed: its live votes follow it
        if merged.duplicate_of:
            deps.store.move_votes(merged.id, merged.duplicate_of)
    changed = tally.files(hub, deps.store.votes(), now.date())
    # the same change (same files) is the same entry, branch and pull request, whoever publishes it
    digest = hashlib.sha256(json.dumps(_without_dates(changed), sort_keys=True).encode()).hexdigest()[:12]
    if not changed or digest == last.get("digest"):
        deps.store.save_snapshot(SNAPSHOT, {**last, "at": now.isoformat()})
        return None
    entry = deps.outbox.add(TALLY.name, {"files": changed, "digest": digest, "at": now.isoformat()},
                            entry_id=str(uuid.uuid5(NS, digest)))
    outcome = finish(Desk.of(deps), entry.id, who="mlhub-bot-tally")
    if outcome.published is None:  # left for later: the outbox's retries, or the next tick, finish it
        log.warning("request tally: %s", outcome.text)
        return None
    log.info("request tally: %s", outcome.text)
    return outcome.published.url or outcome.published.branch


def _without_dates(files: dict[str, str]) -> dict[str, str]:
    """The files without the tally's publication date: a change is the same change on another day."""
    return {p: "\n".join(x for x in t.splitlines() if not x.startswith("  updated:")) for p, t in files.items()}


# --- registration ---------------------------------------------------------------------------------------------


def register(app, deps: Deps) -> None:
    deps.commands.add(COMMAND, c.parse, run, {
        c.New: lambda d, after, cmd: after.open_modal(blocks_new(d), "/request new"),
        c.Accept: publish_status, c.Decline: publish_status, c.Merge: publish_status},
        changes=(c.Support, c.Accept, c.Decline, c.Merge))

    def on_submit(ack, body, context):
        errors = submission(deps, context.get("person"), body["view"])
        return ack(response_action="errors", errors=errors) if errors else ack()

    def after_submit(body, client):
        publish_filing(deps, client, body["user"]["id"], str(uuid.uuid5(NS, body["view"]["id"])))

    app.view("request_new")(ack=on_submit, lazy=[after_submit])

    def on_support(ack, body, context):
        try:
            person = Ask(body["user"]["id"], context.get("person"), "").member()
            context["answer"] = delivery.once(deps.store, delivery.action_key(body),
                                              lambda: vote(deps, person, body["actions"][0]["value"])).text
        except Refusal as exc:
            context["answer"] = str(exc)
        ack()

    def after_support(body, context, client, respond):
        respond(text=context["answer"], response_type="ephemeral", replace_original=False)
        rid = body["actions"][0]["value"]
        try:  # the message shows the support it has now
            req = find(deps, rid)
            words, parts = texts.request_message(deps.hub(), req, live(deps, req), None)
            client.chat_update(channel=body["channel"]["id"], ts=body["container"]["message_ts"], text=words,
                               blocks=parts)
        except (Refusal, SlackApiError) as exc:
            log.info("request message not updated: %s", exc)

    app.action("request_support")(ack=on_support, lazy=[after_support])

    def on_shortcut(ack):
        ack()

    def open_form(body, client, respond):
        message = body.get("message") or {}
        problem = clip(plain(message.get("text") or ""), 3000)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=blocks_new(deps, problem))
        except SlackApiError as exc:
            respond(text=f"The form did not open ({exc.response.get('error')}): use `/request new`.",
                    response_type="ephemeral", replace_original=False)

    app.shortcut("request_message")(ack=on_shortcut, lazy=[open_form])
    deps.jobs.every_tick(publish_tally)
    deps.jobs.every_tick(notify_decisions)


def blocks_new(deps: Deps, problem: str = "") -> dict:
    hub = deps.hub()
    return blocks.request_modal([s.id for s in hub.services], problem)


