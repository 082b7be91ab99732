"""Filing a request: check it, pick a free id, and publish requests/ID.yaml as a pull request.
The request is stored in the outbox first, like an RFC, so a failed publish is retried, not lost."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from mlhub.content.hub import Hub
from mlhub.content.models import Request, RequestStatus
from mlhub.publish import BranchTaken, Change, Journal, Progress, Published, Publisher, PublishError
from mlhub.publish.outbox import Busy, Entry, Outbox, run_claimed
from mlhub.requests import text

KIND = "request"
MAX_CLAIMS = 20


@dataclass(frozen=True)
class NewRequest:
    """What someone asks for; team and SIG default to the requester's team and the first
    service's owner."""

    title: str
    problem: str
    requested_by: str
    services: list[str] = field(default_factory=list)
    team: str | None = None
    sig: str | None = None
    created: str = ""  # ISO date, fixed when stored so that retries write the same file


def slug(title: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return out[:50].rstrip("-") or "request"


def completed(hub: Hub, new: NewRequest) -> NewRequest:
    """The request with its defaults filled in from the content."""
    person = hub.person(new.requested_by)
    team = new.team or (person.team if person else None)
    owners = [s.owner_sig for sid in new.services if (s := hub.service(sid))]
    return dataclasses.replace(new, team=team, sig=new.sig or (owners[0] if owners else None))


def problems(hub: Hub, new: NewRequest) -> list[str]:
    """Everything wrong with a new request, each naming the option to fix."""
    out = []
    if not new.title.strip() or len(new.title) > 120:
        out.append("title: give a title of 1 to 120 characters")
    if not new.problem.strip() or len(new.problem) > 4000:
        out.append("--problem: describe the problem in 1 to 4000 characters")
    if hub.person(new.requested_by) is None:
        out.append(f"--by: unknown person {new.requested_by!r}; add them to community/people.yaml")
    for sid in new.services:
        if hub.service(sid) is None:
            out.append(f"--service: unknown service {sid!r}; known: {', '.join(s.id for s in hub.services)}")
    if new.team is None:
        out.append("--team: the requester has no team in community/people.yaml; name it")
    elif new.team not in hub.teams():
        out.append(f"--team: unknown team {new.team!r}; teams: {', '.join(sorted(hub.teams()))}")
    if new.sig is None:
        out.append("--sig: name the SIG that owns the answer (or a --service, whose owner is taken)")
    elif hub.sig(new.sig) is None:
        out.append(f"--sig: unknown SIG {new.sig!r}; known: {', '.join(s.id for s in hub.sigs)}")
    return out


def request_for(new: NewRequest, rid: str) -> Request:
    assert new.team and new.sig, "checked by problems()"
    return Request(id=rid, title=new.title, problem=new.problem, team=new.team, requested_by=new.requested_by,
                   services=new.services, sig=new.sig, status=RequestStatus.open,
                   created=dt.date.fromisoformat(new.created))


def change_for(hub: Hub, req: Request) -> Change:
    sig = hub.sig(req.sig)
    person = hub.person(req.requested_by)
    body = "\n\n".join([
        req.problem,
        f"Requested by @{req.requested_by} ({req.team}). Owning SIG: **{sig.name if sig else req.sig}**"
        + (f" (`#{sig.slack_channel}`)." if sig else "."),
        "Support it in Slack with the request's Support button; the bot publishes the tally.",
    ])
    return Change(branch=f"request/{req.id}", files={text.path(req): text.dump(req)},
                  message=f"Request: {req.title}", title=f"Request: {req.title}", body=body,
                  labels=["request", req.sig],
                  author=(person.name, f"{person.id}@users.noreply.github.com") if person else None)


def submit(hub: Hub, box: Outbox, new: NewRequest, today: dt.date, entry_id: str | None = None) -> str:
    """Store a filing in the outbox (nothing remote yet); returns its id. ValueError naming what
    is wrong, and then nothing is stored."""
    new = completed(hub, new)
    if errors := problems(hub, new):
        raise ValueError("\n".join(errors))
    new = dataclasses.replace(new, created=today.isoformat())
    try:
        request_for(new, slug(new.title))
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
    return box.add(KIND, dataclasses.asdict(new), entry_id).id


def _free_id(base: str, taken: set[str], start: int = 1) -> str:
    for n in range(start, start + 1000):
        rid = base if n == 1 else f"{base}-{n}"
        if rid not in taken:
            return rid
    raise PublishError(f"no free id for {base!r}")


def publish_entry(hub: Hub, publisher: Publisher, entry: Entry, journal: Journal,
                  progress: Progress = print) -> Published:
    """A stored filing's remote work (the outbox's kind "request"), or the rest of one that stopped
    halfway. Ids are claimed with the branch request/ID, which only one filing can create."""
    new = NewRequest(**entry.payload)
    base = slug(new.title)
    taken = {n.removesuffix(".yaml") for n in publisher.existing_files("requests", progress)}
    taken |= {b.removeprefix("request/") for b in publisher.taken_branches("request/", progress)}
    rid = journal.get("id") or _free_id(base, taken | {r.id for r in hub.requests})
    for attempt in range(MAX_CLAIMS):
        journal.set("id", rid)
        req = request_for(new, rid)
        try:
            published = publisher.publish(change_for(hub, req), journal, progress)
        except BranchTaken as exc:
            progress(f"request id {rid} was taken meanwhile ({exc}); taking the next")
            for key in ("draft", "claim_commit", "files_committed"):
                journal.set(key, None)
            taken.add(rid)
            rid = _free_id(base, taken | {r.id for r in hub.requests}, attempt + 2)
            continue
        journal.set("result", {"id": rid, "path": text.path(req), "url": published.url})
        return dataclasses.replace(published, where=f"request {rid}: {published.where}")
    raise PublishError(f"could not claim a free request id after {MAX_CLAIMS} tries")


def resume(hub: Hub, publisher: Publisher, box: Outbox, entry_id: str, progress: Progress = print) -> Published:
    """Publish a stored filing, or finish one that stopped halfway (claimed while it runs)."""
    try:
        out = run_claimed(box, entry_id, lambda entry, journal: publish_entry(hub, publisher, entry, journal, progress),
                          who="mlhub-request")
    except Busy as exc:
        raise PublishError(str(exc)) from None
    if out is not None:
        return out
    entry = box.get(entry_id)
    pull, result = entry.journal.get("pull") or {}, entry.journal.get("result") or {}
    return Published(f"request/{result.get('id', '')}", pull.get("url"), pull.get("number"), entry.message)


def file(hub: Hub, publisher: Publisher, box: Outbox, new: NewRequest, today: dt.date,
         progress: Progress = print) -> Published:
    """Store the filing, then publish it. ValueError for a bad request (nothing stored)."""
    entry_id = submit(hub, box, new, today)
    progress(f"stored the request in the outbox ({entry_id[:8]})")
    return resume(hub, publisher, box, entry_id, progress)
