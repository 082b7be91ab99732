"""The community requests' three kinds of publication in the one outbox: a filing (a free id
claimed as branch request/ID, then its pull request), a change of status (the hosts' accept or
decline, as a pull request editing requests/ID.yaml) and the scheduled tally of supporters."""

from __future__ import annotations

from bot.ceremonies.requests import texts
from bot.publishing import Desk, Kind, register_kind
from mlhub.publish import Change, Journal, Progress, Published
from mlhub.publish.outbox import Entry
from mlhub.requests import filing

SNAPSHOT = "request-tally"  # the store's snapshot of the last published tally: when, and what


def _file(desk: Desk, entry: Entry, journal: Journal, progress: Progress) -> Published:
    return filing.publish_entry(desk.hub(), desk.publisher, entry, journal, progress)


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


FILING = register_kind(Kind(filing.KIND, lambda e: f"The request {e.payload['title']!r}", "", publish=_file))
STATUS = register_kind(Kind("request-status", lambda e: f"Request {e.payload['id']}: {e.payload['status']}",
                            "`/request accept` or `/request decline` of this request", change=status_change))
TALLY = register_kind(Kind("request-tally", lambda e: f"The request tally of {e.payload['at'][:10]}", "",
                           publish=_tally, record=_record_tally))
