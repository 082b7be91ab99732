"""ML Community Sessions as pure rules: assigning demo proposals to the next sessions' slots, and
the demo entry (demos/YYYY-MM-DD-slug.md) a given demo becomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import yaml

from mlhub.rfc.template import slugify

MAX_DEMO_MINUTES = 10


class ProposalState(StrEnum):
    """Where a demo proposal stands; only this module moves it: assign(), confirm(), withdraw(), give()."""

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


class NotNow(ValueError):
    """The proposal's state does not allow this move; the message says why."""


def confirm(p: Proposal) -> Proposal:
    """A presenter confirms the slot they were given."""
    if p.state is not ProposalState.scheduled:
        raise NotNow(f"this demo is {p.state.value}; only a scheduled demo is confirmed")
    return replace(p, state=ProposalState.confirmed)


def withdraw(p: Proposal) -> Proposal:
    """A presenter gives up the proposal; its slot (if any) is free again."""
    if p.state in (ProposalState.withdrawn, ProposalState.given):
        raise NotNow(f"this demo is {p.state.value} already; only a queued, scheduled or confirmed demo is withdrawn")
    return replace(p, state=ProposalState.withdrawn, session=None)


def give(p: Proposal) -> Proposal:
    """The demo was presented (its recording attached)."""
    if p.state is not ProposalState.confirmed:
        raise NotNow(f"this demo is {p.state.value}; attach the recording of a confirmed demo after its session")
    return replace(p, state=ProposalState.given)


def entry(p: Proposal, recording: str, today: dt.date) -> tuple[str, str]:
    """The demo's file in demos/ once it was given: (path, text); dated by its session, else today."""
    date = p.session or today.isoformat()
    front: dict[str, Any] = {"title": p.title, "date": date, "presenters": list(p.presenters), "team": p.team,
             "tools": list(p.tools), "recording": recording}
    if p.links:
        front["links"] = [{"title": t, "url": u} for t, u in p.links]
    if p.notebook:
        front["notebook"] = p.notebook
    text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n" + \
        f"{p.title}, presented by the {p.team} team at the ML Community Session of {date}.\n"
    return f"demos/{date}-{slugify(p.title)}.md", text
