"""The tally: stored votes (person -> team) become the published tally and the file change to
publish; one pull request per change, none when nothing changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from mlhub.content.hub import Hub
from mlhub.content.models import Request, Tally
from mlhub.requests import text

Votes = Mapping[str, str]  # person id -> their team when they voted


def tally(votes: Votes, updated: dt.date | None = None) -> Tally:
    """Supporters sorted, each once; their teams sorted, each once."""
    return Tally(supporters=sorted(votes), teams=sorted({t for t in votes.values() if t}), updated=updated)


def same(a: Tally, b: Tally) -> bool:
    """Whether two tallies count the same people and teams (the publication date aside)."""
    return (sorted(a.supporters), sorted(a.teams)) == (sorted(b.supporters), sorted(b.teams))


def changed(req: Request, votes: Votes, today: dt.date) -> Request | None:
    """The request with its new tally, or None when the votes change nothing."""
    new = tally(votes, today)
    if same(req.tally, new):
        return None
    return req.model_copy(update={"tally": new})


def combined(hub: Hub, req: Request, stored: Votes) -> dict[str, str]:
    """The published supporters (with their teams from people.yaml) and the votes stored since:
    votes are only ever added, so the published tally is never lost."""
    out = {p: (person.team or "") if (person := hub.person(p)) else "" for p in req.tally.supporters}
    return out | dict(stored)


def files(hub: Hub, votes: Mapping[str, Votes], today: dt.date) -> dict[str, str]:
    """{path: new text} of every request whose tally changed; empty means: open no pull request.
    Requests without stored votes keep the tally they have (votes are only ever added by the bot)."""
    out = {}
    for rid, request_votes in sorted(votes.items()):
        req = hub.request(rid)
        if req is None:
            continue  # a request deleted from the repository: nothing to publish it to
        if (new := changed(req, combined(hub, req, request_votes), today)) is not None:
            out[text.path(new)] = text.dump(new)
    return out


def rank(requests: list[Request]) -> list[Request]:
    """Most supporting teams first, then most supporters, then oldest."""
    return sorted(requests, key=lambda r: (-len(r.tally.teams), -len(r.tally.supporters), r.created, r.id))
