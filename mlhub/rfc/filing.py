"""Filing an RFC: fill the template, take the next free number, publish it as a pull request.
The request is stored in the outbox first; numbers are claimed by creating the branch rfc/NNNN,
which only one proposer can do, so two proposals made at once never get the same number."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from mlhub.content.hub import Hub
from mlhub.content.models import RfcType
from mlhub.publish import BranchTaken, Change, Journal, Progress, Published, Publisher, PublishError
from mlhub.publish.outbox import Busy, Entry, Outbox, run_claimed
from mlhub.rfc import template

MAX_CLAIMS = 20
OPTION = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class RfcRequest:
    title: str
    sig: str
    author: str
    type: str = RfcType.decision.value
    options: list[str] = field(default_factory=list)
    summary: str | None = None
    created: str = ""  # ISO date, fixed when the request is stored so retries write the same file


def problems(hub: Hub, req: RfcRequest) -> list[str]:
    """Everything wrong with a request, as messages naming the option to fix."""
    out = []
    if not req.title.strip() or len(req.title) > 100:
        out.append("title: give a title of 1 to 100 characters")
    if hub.sig(req.sig) is None:
        out.append(f"--sig: unknown SIG {req.sig!r}; known: {', '.join(s.id for s in hub.sigs)}")
    if hub.person(req.author) is None:
        out.append(f"--author: unknown person {req.author!r}; add them to community/people.yaml")
    if req.type not in {t.value for t in RfcType}:
        out.append(f"--type: one of {', '.join(t.value for t in RfcType)}")
    out += [f"--option: {o!r} must be a kebab-case id, e.g. use-mlflow" for o in req.options
            if not OPTION.match(o)]
    return out


def change_for(root: Path, hub: Hub, req: RfcRequest, number: int) -> Change:
    sig = hub.sig(req.sig)
    author = hub.person(req.author)
    assert sig is not None and author is not None, "checked by problems()"
    path = f"rfcs/{number:04d}-{template.slugify(req.title)}.md"
    text = template.render(root, number=number, title=req.title, sig=req.sig, authors=[req.author],
                           rfc_type=req.type, options=req.options,
                           created=dt.date.fromisoformat(req.created), summary=req.summary)
    body = "\n\n".join(x for x in [
        req.summary or "",
        f"Owning SIG: **{sig.name}** (`#{sig.slack_channel}`). Author: @{req.author}.",
        "This RFC follows the process in `rfcs/README.md`: it is a draft until an author moves it "
        "to review.",
    ] if x)
    return Change(
        branch=f"rfc/{number:04d}", files={path: text}, message=f"RFC {number:04d}: {req.title}",
        title=f"RFC {number:04d}: {req.title}", body=body, labels=["rfc", req.sig],
        reviewers=[a for a in sig.rfc_approvers if a != req.author],
        author=(author.name, f"{author.id}@users.noreply.github.com"),
    )


def _numbers(names: set[str], pattern: str) -> set[int]:
    return {int(m.group(1)) for n in names if (m := re.match(pattern, n))}


def next_number(publisher: Publisher, box: Outbox, entry_id: str, minimum: int = 1,
                progress: Progress = print) -> int:
    taken = _numbers(publisher.existing_files("rfcs", progress), r"^(\d{4})-")
    taken |= _numbers(publisher.taken_branches("rfc/", progress), r"^rfc/(\d{4})$")
    for other in box.entries("pending"):
        if other.kind == "rfc" and other.id != entry_id and other.journal.get("number"):
            taken.add(int(other.journal["number"]))
    return max([minimum - 1, *taken]) + 1


def submit(hub: Hub, box: Outbox, req: RfcRequest, today: dt.date, entry_id: str | None = None) -> str:
    """Store a filing request in the outbox (nothing remote yet); returns its id. Raises
    ValueError naming what is wrong, and then stores nothing."""
    errors = problems(hub, req)
    if errors:
        raise ValueError("\n".join(errors))
    req = dataclasses.replace(req, created=today.isoformat())  # the caller's clock
    return box.add("rfc", dataclasses.asdict(req), entry_id).id


def file(root: Path, hub: Hub, publisher: Publisher, box: Outbox, req: RfcRequest,
         today: dt.date, progress: Progress = print) -> Published:
    """Store the request, then publish it. Raises ValueError for a bad request (nothing stored)."""
    entry_id = submit(hub, box, req, today)
    progress(f"stored the request in the outbox ({entry_id[:8]})")
    return resume(root, hub, publisher, box, entry_id, progress)


def resume(root: Path, hub: Hub, publisher: Publisher, box: Outbox, entry_id: str,
           progress: Progress = print) -> Published:
    """Publish a stored request, or finish one that stopped halfway (claimed while it runs)."""
    try:
        out = run_claimed(box, entry_id, lambda entry, journal: publish_entry(root, hub, publisher, box, entry, journal,
                                                                                progress), who="mlhub-rfc")
    except Busy as exc:
        raise PublishError(str(exc)) from None
    return out if out is not None else published_before(box.get(entry_id))


def published_before(entry: Entry) -> Published:
    """What an entry that is done published, from its journal."""
    pull = entry.journal.get("pull") or {}
    result = entry.journal.get("result") or {}
    return Published(result.get("branch", ""), pull.get("url"), pull.get("number"), entry.message)


def publish_entry(root: Path, hub: Hub, publisher: Publisher, box: Outbox, entry: Entry, journal: Journal,
                  progress: Progress = print) -> Published:
    """The filing's remote work: claim a free number (its branch), publish the RFC on it."""
    req = RfcRequest(**entry.payload)
    # the checkout's RFCs count as taken too: a listing GitHub refuses must not hand out 0001 again
    minimum = max([0, *(r.number for r in hub.rfcs)]) + 1
    number = journal.get("number") or next_number(publisher, box, entry.id, minimum, progress)
    for _ in range(MAX_CLAIMS):
        journal.set("number", number)
        progress(f"RFC {number:04d}: publishing on branch rfc/{number:04d}")
        change = change_for(root, hub, req, number)
        try:
            published = publisher.publish(change, journal, progress)
        except BranchTaken as exc:
            progress(f"RFC {number:04d} was claimed by another proposal ({exc}); taking the next")
            for key in ("draft", "claim_commit", "files_committed"):
                journal.set(key, None)
            number = next_number(publisher, box, entry.id, minimum=number + 1, progress=progress)
            continue
        path = next(iter(change.files))
        journal.set("result", {"branch": published.branch, "path": path, "url": published.url,
                               "text": change.files[path]})
        return dataclasses.replace(published, where=f"RFC {number:04d}: {published.where}")
    raise PublishError(f"could not claim a free RFC number after {MAX_CLAIMS} tries")
