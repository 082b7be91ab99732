"""ML Community Sessions as pure rules: assigning demo proposals to the next sessions' slots, and
the demo entry (demos/YYYY-MM-DD-slug.md) a given demo becomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

import yaml

from mlhub.rfc.template import slugify

MAX_DEMO_MINUTES = 10


class ProposalState(StrEnum):
    """Where a demo proposal stands; assign() and the sessions ceremony move it."""

    queued = "queued"  # waiting for a free slot
    scheduled = "scheduled"  # has a slot; a presenter confirms it
    confirmed = "confirmed"
    withdrawn = "withdrawn"
    given = "given"  # presented; its entry goes to demos/


BOOKED = frozenset({ProposalState.scheduled, ProposalState.confirmed})


@dataclass(frozen=True)
class Proposal:
    id: str
    title: str
    team: str
    presenters: tuple[str, ...]
    tools: tuple[str, ...]
    minutes: int
    links: tuple[tuple[str, str], ...] = ()
    notebook: str | None = None  # a notebook in demos/, verified like the tutorials
    state: ProposalState = ProposalState.queued
    session: str | None = None  # ISO date of the session it is scheduled in
    created: str = ""


def assign(proposals: list[Proposal], sessions: list[dt.date], capacity: int) -> list[Proposal]:
    """Give queued proposals, oldest first, a slot in the earliest session with room, where their
    team would not take every slot of that session."""
    out = list(proposals)
    taken = {s: [p for p in out if p.session == s.isoformat() and p.state in BOOKED]
             for s in sessions}
    for i, p in sorted(enumerate(out), key=lambda ip: ip[1].created):
        if p.state is not ProposalState.queued:
            continue
        for s in sessions:
            booked = taken[s]
            same_team = sum(1 for b in booked if b.team.lower() == p.team.lower())
            if len(booked) < capacity and (capacity == 1 or same_team < capacity - 1):
                out[i] = replace(p, state=ProposalState.scheduled, session=s.isoformat())
                booked.append(out[i])
                break
    return out


def entry(p: Proposal, recording: str, today: dt.date) -> tuple[str, str]:
    """The demo's file in demos/ once it was given: (path, text); dated by its session, else today."""
    date = p.session or today.isoformat()
    front = {"title": p.title, "date": date, "presenters": list(p.presenters), "team": p.team,
             "tools": list(p.tools), "recording": recording}
    if p.links:
        front["links"] = [{"title": t, "url": u} for t, u in p.links]
    if p.notebook:
        front["notebook"] = p.notebook
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + \
        f"{p.title}, presented by the {p.team} team at the ML Community Session of {date}.\n"
    return f"demos/{date}-{slugify(p.title)}.md", text
