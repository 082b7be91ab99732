"""Duplicate requests: which open requests look like a new one, and merging one into another."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mlhub.content.hub import Hub
from mlhub.content.models import Request, RequestStatus, Tally
from mlhub.publish import Change
from mlhub.publish.outbox import Entry, EntryState
from mlhub.requests import status, text

# Two requests are offered as possible duplicates from this score on (0..1). Measured on the
# sample requests and the tests' paraphrases: rewordings score 0.45-0.55, unrelated requests on
# the same service 0.15-0.25. Shared services only raise a score the words earned (by up to a
# quarter), so two requests are never alike merely for touching the same service.
SIMILAR = 0.3
SERVICE_BONUS = 0.25
MERGE_KIND = "request-merge"  # the outbox's kind of a merge (bot/ceremonies/requests/publications.py)
MERGE_NS = uuid.UUID("0b7d6c1e-92a4-4f0e-9a51-3c8e2d4b6f10")
# Words that say nothing about what is asked for.
STOPWORDS = frozenset("""
a an and are as at be but by can could do does for from get has have how i in into is it its
it's let me more most my need needs no not of on one or our out so some than that the their them
then there these they this to too up us use using want wants was we when which while who why will
with would you your per all any every each every before after today also just like only
""".split())


def tokens(text: str) -> frozenset[str]:
    """The words of a text that carry meaning: lower case, 3 letters or more, no stop words, and
    a plural's trailing s dropped (quota/quotas, model/models)."""
    words = re.findall(r"[a-z0-9][a-z0-9+.#-]*[a-z0-9+#]|[a-z0-9]", text.lower())
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                     for w in words if len(w) >= 3 and w not in STOPWORDS)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def similarity(title_a: str, problem_a: str, services_a: Iterable[str],
               title_b: str, problem_b: str, services_b: Iterable[str]) -> float:
    """0..1: token-set (Jaccard) similarity of title and problem, raised by shared services."""
    text = _jaccard(tokens(f"{title_a} {problem_a}"), tokens(f"{title_b} {problem_b}"))
    shared = _jaccard(frozenset(services_a), frozenset(services_b))
    return round(min(1.0, text * (1 + SERVICE_BONUS * shared)), 3)


@dataclass(frozen=True)
class Match:
    request: Request
    score: float


def similar(requests: Sequence[Request], title: str, problem: str, services: Iterable[str],
            threshold: float = SIMILAR, exclude: str | None = None) -> list[Match]:
    """Open or planned requests at least `threshold` alike, most similar first."""
    services = list(services)
    out = [Match(r, s) for r in requests
           if r.id != exclude and r.status in status.SUPPORTABLE and r.duplicate_of is None
           and (s := similarity(title, problem, services, r.title, r.problem, r.services)) >= threshold]
    return sorted(out, key=lambda m: (-m.score, m.request.id))


def merged_tally(a: Tally, b: Tally, people_teams: dict[str, str]) -> Tally:
    """Both tallies' supporters once each, their teams once each."""
    supporters = sorted(set(a.supporters) | set(b.supporters))
    teams = sorted(set(a.teams) | set(b.teams) | {people_teams[p] for p in supporters if p in people_teams})
    return Tally(supporters=supporters, teams=teams, updated=max(filter(None, [a.updated, b.updated]), default=None))


def merge(dup: Request, into: Request, people_teams: dict[str, str]) -> tuple[Request, Request]:
    """(the duplicate, declined and pointing at `into`; `into` with the duplicate's requester and
    supporters carried over). ValueError when the merge makes no sense."""
    if dup.id == into.id:
        raise ValueError("a request cannot be merged into itself")
    if into.duplicate_of:
        raise ValueError(f"{into.id} was itself merged into {into.duplicate_of}: merge into that one")
    if into.status not in status.SUPPORTABLE:
        raise ValueError(f"{into.id} is {into.status.value}: merge only into an open or planned request")
    carried = dup.tally.model_copy(update={"supporters": sorted({*dup.tally.supporters, dup.requested_by}),
                                           "teams": sorted({*dup.tally.teams, dup.team})})
    new_into = into.model_copy(update={"tally": merged_tally(into.tally, carried, people_teams)})
    new_dup = status.moved(dup, RequestStatus.declined, reason=duplicate_reason(into.id)).model_copy(
        update={"duplicate_of": into.id})
    return new_dup, new_into


def duplicate_reason(into_id: str) -> str:
    return f"Duplicate of {into_id}; its supporters were carried over."


def merge_change(hub: Hub, dup_id: str, into_id: str) -> Change:
    """Both files of a merge, as one pull request. ValueError naming an unknown id or a bad merge."""
    dup, into = hub.request(dup_id), hub.request(into_id)
    for rid, req in ((dup_id, dup), (into_id, into)):
        if req is None:
            raise ValueError(f"no request {rid!r}; see `mlhub request list`")
    assert dup is not None and into is not None
    if dup.duplicate_of:
        raise ValueError(f"{dup.id} was merged into {dup.duplicate_of} already")
    new_dup, new_into = merge(dup, into, {p.id: p.team for p in hub.people if p.team})
    return Change(branch=f"request-merge/{dup.id}", files={text.path(new_dup): text.dump(new_dup),
                                                           text.path(new_into): text.dump(new_into)},
                  message=f"Merge request {dup.id} into {into.id}", title=f"Request {dup.id} duplicates {into.id}",
                  body=f"{dup.title!r} asks for what {into.title!r} asks for: it is declined as a duplicate and its "
                  f"{len(new_into.tally.supporters) - len(into.tally.supporters)} new supporter(s) are carried over.",
                  labels=["request", into.sig])


def merge_id(dup_id: str, into_id: str) -> str:
    """The outbox id of a merge: the same merge is one entry, from Slack and the CLI alike."""
    return str(uuid.uuid5(MERGE_NS, f"merge:{dup_id}:{into_id}"))


def open_merge(hub: Hub, entries: Iterable[Entry], dup_id: str, into_id: str) -> str | None:
    """Why merging `dup_id` into `into_id` must wait, or None: either request already takes part
    in another merge of the outbox (`entries`, its request-merge entries) that is stored or
    published but not in the repository yet. Two such pull requests would together break the
    content (a request merged twice, or a chain A -> B -> A) or fight over one branch. The same
    merge again is not in the way: it is the same entry."""
    same = merge_id(dup_id, into_id)
    for entry in entries:
        p = entry.payload
        if entry.id == same or entry.state is EntryState.failed or not {p["id"], p["into"]} & {dup_id, into_id}:
            continue
        landed = hub.request(p["id"])
        if landed is not None and landed.duplicate_of == p["into"]:  # in the repository: its checks apply
            continue
        pull = entry.journal.get("pull") or {}
        if pull.get("number"):
            where = f"pull request #{pull['number']}" + (f", {pull['url']}" if pull.get("url") else "")
        elif entry.state is EntryState.done:  # published as a local branch
            where = f"branch {p['change']['branch']}"
        else:
            where = f"outbox entry {entry.id[:8]}, not published yet"
        shared = [r for r in (dup_id, into_id) if r in (p["id"], p["into"])]
        verb = "take" if len(shared) > 1 else "takes"
        return (f"{' and '.join(shared)} {verb} part in a merge not in the repository yet: {p['id']} into "
                f"{p['into']} ({where}). Merge again once that one is merged into the repository (then into the "
                f"request it points at), or, if it was wrong, close it and withdraw it with `mlhub outbox drop "
                f"{entry.id[:8]}` first.")
    return None


def merge_payload(hub: Hub, dup_id: str, into_id: str, by: str | None, pending: Iterable[Entry] = ()) -> dict:
    """What the outbox keeps of a merge: the change to publish, and what its notices say (the
    duplicate is declined, as a change of status is). ValueError as merge_change, or naming a
    merge of either request still open (`pending`: the outbox's request-merge entries)."""
    change = merge_change(hub, dup_id, into_id)
    if waiting := open_merge(hub, pending, dup_id, into_id):
        raise ValueError(waiting)
    dup = hub.request(dup_id)
    assert dup is not None
    return {"id": dup_id, "into": into_id, "status": RequestStatus.declined.value, "title": dup.title,
            "reason": duplicate_reason(into_id), "item": None, "by": by, "change": dataclasses.asdict(change)}


def change_of(payload: dict) -> Change:
    """The pull request of a stored merge."""
    fields = payload["change"]
    author = fields.get("author")
    return Change(**{**fields, "author": tuple(author) if author else None})
