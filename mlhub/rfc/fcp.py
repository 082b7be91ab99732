"""The final comment period, as pure rules: who may propose and sign off, quorum, concerns, and a
business-day clock in the owning SIG's time zone that a blocking concern pauses (never resets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from mlhub.content.hub import Hub
from mlhub.content.models import Disposition, Rfc, Sig
from mlhub.rfc.lifecycle import QuorumRule, QuorumState, quorum

BUSINESS_DAYS = 5
DEFAULT_TZ = "UTC"


class FcpState(StrEnum):
    """Where a final comment period stands; this module owns every move between them."""

    proposed = "proposed"  # waiting for quorum
    running = "running"  # quorum met, the clock runs
    paused = "paused"  # a blocking concern stopped the clock
    decided = "decided"
    cancelled = "cancelled"


OPEN = frozenset({FcpState.proposed, FcpState.running, FcpState.paused})
CLOSED = frozenset({FcpState.decided, FcpState.cancelled})


class FcpError(Exception):
    """A request the rules refuse; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Concern:
    name: str
    by: str
    raised: dt.datetime
    resolved: dt.datetime | None = None
    blocking: bool = True


@dataclass(frozen=True)
class Fcp:
    rfc: int
    sig: str
    authors: tuple[str, ...]
    disposition: Disposition
    proposed_by: str
    proposed_at: dt.datetime
    chosen_option: str | None = None
    summary: str = ""
    signoffs: frozenset[str] = frozenset()
    concerns: tuple[Concern, ...] = ()
    started: dt.datetime | None = None  # when quorum was first met: the clock's start
    deadline: dt.datetime | None = None  # while the clock runs
    remaining: dt.timedelta | None = None  # business time left while paused
    state: FcpState = FcpState.proposed

    @property
    def open_blocking(self) -> list[Concern]:
        return [c for c in self.concerns if c.blocking and c.resolved is None]


def sig_zone(hub: Hub, sig: Sig | None) -> ZoneInfo:
    """The SIG's time zone: that of its first meeting, else UTC (also for a SIG removed since)."""
    return ZoneInfo(sig.meetings[0].tz if sig and sig.meetings else DEFAULT_TZ)


def add_business_time(start: dt.datetime, amount: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """start + amount, counting only Monday-Friday time in tz (weekends do not count)."""
    cur, left = start.astimezone(tz), amount
    while left > dt.timedelta(0):
        midnight = dt.datetime.combine(cur.date() + dt.timedelta(days=1), dt.time(), tz)
        if cur.weekday() >= 5:
            cur = midnight
            continue
        span = midnight.astimezone(dt.UTC) - cur.astimezone(dt.UTC)
        if left <= span:
            return (cur.astimezone(dt.UTC) + left).astimezone(tz)
        left -= span
        cur = midnight
    return cur


def business_time_between(a: dt.datetime, b: dt.datetime, tz: ZoneInfo) -> dt.timedelta:
    total, cur = dt.timedelta(0), a.astimezone(tz)
    end = b.astimezone(tz)
    while cur < end:
        midnight = dt.datetime.combine(cur.date() + dt.timedelta(days=1), dt.time(), tz)
        stop = min(midnight, end)
        if cur.weekday() < 5:
            total += stop.astimezone(dt.UTC) - cur.astimezone(dt.UTC)
        cur = midnight
    return total


def _approver_of(sig: Sig, person: str) -> bool:
    return person in sig.rfc_approvers


def _sig(hub: Hub, rfc: Rfc) -> Sig:
    sig = hub.sig(rfc.owning_sig)
    if sig is None:
        raise FcpError(f"RFC {rfc.number:04d} names an unknown SIG {rfc.owning_sig!r}")
    return sig


def propose(hub: Hub, rfc: Rfc, by: str, disposition: Disposition, now: dt.datetime,
            chosen_option: str | None = None, summary: str = "") -> Fcp:
    sig = _sig(hub, rfc)
    if disposition is Disposition.accept and rfc.options and chosen_option not in rfc.options:
        raise FcpError(f"name the chosen option, one of {', '.join(rfc.options)}")
    if rfc.status.value != "review":
        raise FcpError(f"RFC {rfc.number:04d} is {rfc.status.value}; a final comment period starts from review")
    if not _approver_of(sig, by):
        raise FcpError(f"only an RFC approver of {sig.id} can propose a final comment period "
                       f"({', '.join(sig.rfc_approvers)})")
    fcp = Fcp(rfc.number, sig.id, tuple(rfc.authors), disposition, by, now, chosen_option,
              summary or f"{disposition.value.capitalize()} RFC {rfc.number:04d}: {rfc.title}.")
    # the proposer signs off by proposing, unless they are an author
    return fcp if by in rfc.authors else signoff(hub, fcp, by, now)


DEFAULT_RULE = QuorumRule()


def state_of(hub: Hub, fcp: Fcp, rule: QuorumRule = DEFAULT_RULE) -> QuorumState:
    sig = hub.sig(fcp.sig)
    return quorum(sig.rfc_approvers if sig else [], fcp.authors, fcp.signoffs, rule)


def _advance(hub: Hub, fcp: Fcp, now: dt.datetime) -> Fcp:
    """Start, pause or resume the clock after any change."""
    if fcp.state in CLOSED:
        return fcp
    tz = sig_zone(hub, hub.sig(fcp.sig))
    met = state_of(hub, fcp).met(DEFAULT_RULE)
    blocked = bool(fcp.open_blocking)
    if fcp.state is FcpState.proposed and met and not blocked:
        return replace(fcp, state=FcpState.running, started=now,
                       deadline=add_business_time(now, dt.timedelta(days=BUSINESS_DAYS), tz))
    if fcp.state is FcpState.running and blocked:
        assert fcp.deadline is not None, "a running FCP has a deadline"
        return replace(fcp, state=FcpState.paused, remaining=business_time_between(now, fcp.deadline, tz),
                       deadline=None)
    if fcp.state is FcpState.paused and not blocked and met:
        assert fcp.remaining is not None, "a paused FCP keeps the time it had left"
        return replace(fcp, state=FcpState.running, deadline=add_business_time(now, fcp.remaining, tz), remaining=None)
    return fcp


def signoff(hub: Hub, fcp: Fcp, person: str, now: dt.datetime) -> Fcp:
    sig = hub.sig(fcp.sig)
    if person in fcp.authors:
        raise FcpError("authors do not approve their own RFC")
    if sig is None or not _approver_of(sig, person):
        raise FcpError(f"only RFC approvers of {fcp.sig} can sign off"
                       + (f" ({', '.join(sig.rfc_approvers)})" if sig else ""))
    if fcp.state in CLOSED:
        raise FcpError(f"the final comment period is {fcp.state.value}")
    return _advance(hub, replace(fcp, signoffs=fcp.signoffs | {person}), now)


def raise_concern(hub: Hub, fcp: Fcp, person: str, name: str, now: dt.datetime, blocking: bool = True) -> Fcp:
    sig = hub.sig(fcp.sig)
    if sig is None or not (_approver_of(sig, person) or person in sig.chairs):
        raise FcpError(f"only RFC approvers and chairs of {fcp.sig} can raise a concern")
    if any(c.name == name and c.resolved is None for c in fcp.concerns):
        raise FcpError(f"a concern named {name!r} is already open")
    return _advance(hub, replace(fcp, concerns=(*fcp.concerns, Concern(name, person, now, None, blocking))), now)


def resolve_concern(hub: Hub, fcp: Fcp, person: str, name: str, now: dt.datetime) -> Fcp:
    sig = hub.sig(fcp.sig)
    concern = next((c for c in fcp.concerns if c.name == name and c.resolved is None), None)
    if concern is None:
        raise FcpError(f"no open concern named {name!r}")
    if person != concern.by and (sig is None or person not in sig.chairs):
        raise FcpError("a concern is resolved by whoever raised it, or by a SIG chair")
    concerns = tuple(replace(c, resolved=now) if c is concern else c for c in fcp.concerns)
    return _advance(hub, replace(fcp, concerns=concerns), now)


def cancel(hub: Hub, fcp: Fcp, person: str) -> Fcp:
    sig = hub.sig(fcp.sig)
    if sig is None or not (_approver_of(sig, person) or person in sig.chairs):
        raise FcpError(f"only RFC approvers and chairs of {fcp.sig} can cancel a final comment period")
    if fcp.state in CLOSED:
        raise FcpError(f"the final comment period is already {fcp.state.value}")
    return replace(fcp, state=FcpState.cancelled)


def due(fcp: Fcp, now: dt.datetime) -> bool:
    return fcp.state is FcpState.running and fcp.deadline is not None and now >= fcp.deadline


def decide(fcp: Fcp, now: dt.datetime) -> Fcp:
    """The end of a running final comment period whose clock ran out."""
    if not due(fcp, now):
        raise FcpError(f"RFC {fcp.rfc:04d}'s final comment period is {fcp.state.value}, not due")
    return replace(fcp, state=FcpState.decided)


def time_left(hub: Hub, fcp: Fcp, now: dt.datetime) -> dt.timedelta | None:
    if fcp.state is FcpState.running and fcp.deadline:
        return business_time_between(now, fcp.deadline, sig_zone(hub, hub.sig(fcp.sig)))
    if fcp.state is FcpState.paused:
        return fcp.remaining
    return None


def decision_block(fcp: Fcp, decided: dt.date) -> dict:
    """The front-matter decision block the bot writes into the RFC at the end."""
    block = {
        "disposition": fcp.disposition.value,
        "fcp_start": fcp.started.isoformat(timespec="seconds") if fcp.started else None,
        "fcp_end": fcp.deadline.isoformat(timespec="seconds") if fcp.deadline else None,
        "signoffs": sorted(fcp.signoffs),
        "concerns": [{"name": c.name, "by": c.by, "raised": c.raised.date().isoformat(),
                      "resolved": c.resolved.date().isoformat() if c.resolved else None, "blocking": c.blocking}
                     for c in fcp.concerns],
        "decided": decided.isoformat(),
        "summary": fcp.summary,
        "chosen_option": fcp.chosen_option,
    }
    return {k: v for k, v in block.items() if v is not None and v != []}


def to_json(fcp: Fcp) -> dict:
    data = asdict(fcp)
    data["signoffs"] = sorted(fcp.signoffs)
    data["disposition"] = fcp.disposition.value
    data["state"] = fcp.state.value
    for key in ("proposed_at", "started", "deadline"):
        data[key] = data[key].isoformat() if data[key] else None
    data["remaining"] = fcp.remaining.total_seconds() if fcp.remaining is not None else None
    data["concerns"] = [dict(c, raised=c["raised"].isoformat(),
                             resolved=c["resolved"].isoformat() if c["resolved"] else None)
                        for c in data["concerns"]]
    return data


def from_json(data: dict) -> Fcp:
    def when(v):
        return dt.datetime.fromisoformat(v) if v else None

    return Fcp(
        rfc=data["rfc"], sig=data["sig"], authors=tuple(data["authors"]),
        disposition=Disposition(data["disposition"]), proposed_by=data["proposed_by"],
        proposed_at=when(data["proposed_at"]), chosen_option=data.get("chosen_option"),
        summary=data.get("summary", ""), signoffs=frozenset(data["signoffs"]),
        concerns=tuple(Concern(c["name"], c["by"], when(c["raised"]), when(c["resolved"]), c["blocking"])
                       for c in data["concerns"]),
        started=when(data["started"]), deadline=when(data["deadline"]),
        remaining=dt.timedelta(seconds=data["remaining"]) if data["remaining"] is not None else None,
        state=FcpState(data["state"]),
    )
