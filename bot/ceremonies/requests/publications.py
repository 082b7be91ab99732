"""The community requests' four kinds of publication in the one outbox: a filing (a free id
claimed as branch request/ID, then its pull request), a change of status (the hosts' accept or
decline, as a pull request editing requests/ID.yaml), the merge of a duplicate (both files in one
pull request) and the scheduled tally of supporters."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.ceremonies.requests import texts
from bot.channels import unsure
from bot.deps import Deps
from bot.mrkdwn import safe
from bot.publishing import Desk, Kind, Telling, register_kind
from bot.refusal import Refusal
from mlhub.content.models import Request, Tally
from mlhub.publish import Change, Journal, Progress, Published
from mlhub.publish.outbox import Entry
from mlhub.requests import duplicates, filing, tally
from mlhub.requests.filing import NewRequest

SNAPSHOT = "request-tally"  # the store's snapshot of the last published tally: when, and what
log = logging.getLogger("mlhub.bot.requests")


def find(deps: Deps, rid: str) -> Request:
    """A request in the repository, or one filed from here whose pull request is open."""
    req = deps.hub().request(rid)
    if req is not None:
        return req
    for entry in deps.outbox.entries(kind=filing.KIND):
        if entry.journal.get("id") == rid:
            return filing.request_for(NewRequest(**entry.payload), rid)
    raise Refusal(f"no request {safe(rid, 64)!r}; see `/request list`")


def live(deps: Deps, req: Request) -> Tally:
    """The published tally with the votes stored since."""
    return tally.tally(tally.combined(deps.hub(), req, deps.store.votes(req.id).get(req.id, {})))


def _file(desk: Desk, entry: Entry, journal: Journal, progress: Progress) -> Published:
    return filing.publish_entry(desk.hub(), desk.publisher, entry, journal, progress)


def announce_filing(deps: Deps, client, entry: Entry, telling: Telling) -> None:
    """A published filing: the request with its Support button in its SIG's channel, and its pull
    request to the requester (once, whoever published it: bot.publishing.announce; both posts carry
    the announcement's key, so that a later announcer finds them instead of repeating them)."""
    rid, url = entry.journal["id"], (entry.journal.get("result") or {}).get("url")
    req = find(deps, rid)
    hub = deps.hub()
    sig, person = hub.sig(req.sig), hub.person(req.requested_by)
    if sig:
        try:
            words, parts = texts.request_message(hub, req, live(deps, req), url)
            deps.channels.post_claimed(client, telling.key, sig.slack_channel, words, parts, since=telling.since)
        except (SlackApiError, Refusal) as exc:
            if unsure(exc):
                raise
            log.warning("could not post request %s in #%s: %s", rid, sig.slack_channel, exc)
    if person:
        try:
            deps.channels.dm_claimed(client, telling.key, person.slack_id, texts.filed(req, url), since=telling.since)
        except SlackApiError as exc:
            if unsure(exc):
                raise
            log.warning("could not tell %s about request %s: %s", person.id, rid, exc.response.get("error"))


def status_change(entry: Entry) -> Change:
    p = entry.payload
    return Change(branch=f"request-{p['status']}/{p['id']}", files={f"requests/{p['id']}.yaml": p["file"]},
                  message=f"Request {p['id']}: {p['status']}", title=f"Request {p['title']}: {p['status']}",
                  body=texts.status_body(p), labels=["request"])


def _tally(desk: Desk, entry: Entry, journal: Journal, progress: Progress) -> Published:
    files = entry.payload["files"]
    change = Change(branch=f"request-tally/{entry.payload['digest']}", files=files,
                    message=f"Request tally of {entry.payload['at'][:10]}",
                    title=f"Request tally: {len(files)} request(s) changed",
                    body=texts.tally_body(desk.hub(), files), labels=["request"])
    return desk.publisher.publish(change, journal, progress)


def _record_tally(desk: Desk, entry: Entry, out: Published) -> None:
    desk.store.save_snapshot(SNAPSHOT, {"at": entry.payload["at"], "digest": entry.payload["digest"]})


FILING = register_kind(Kind(filing.KIND, lambda e: f"The request {e.payload['title']!r}", "", publish=_file,
                            announce=announce_filing))
STATUS = register_kind(Kind("request-status", lambda e: f"Request {e.payload['id']}: {e.payload['status']}",
                            "`/request accept` or `/request decline` of this request", change=status_change))
TALLY = register_kind(Kind("request-tally", lambda e: f"The request tally of {e.payload['at'][:10]}", "",
                           publish=_tally, record=_record_tally))
MERGE = register_kind(Kind(duplicates.MERGE_KIND, lambda e: f"The merge of request {e.payload['id']} into "
                           f"{e.payload['into']}", "`/request merge` of these requests",
                           change=lambda e: duplicates.change_of(e.payload)))
