"""RFC lint: named checks over the decision log, run by `mlhub validate` like every other check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from mlhub.checks import check, problem
from mlhub.content.files import FileError
from mlhub.content.hub import Hub
from mlhub.content.models import Disposition, Rfc, RfcStatus, RfcType
from mlhub.content.problems import Problem
from mlhub.rfc import template
from mlhub.rfc.lifecycle import DECIDED, IMPLIED_DISPOSITION, quorum

S = RfcStatus


def _a(status: RfcStatus) -> str:
    return f"{'an' if status.value[0] in 'aeiou' else 'a'} {status.value} RFC"


@check("rfc-numbers")
def rfc_numbers(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """RFC numbers are unique and match their file names (NNNN-slug.md)."""
    seen: dict[int, str] = {}
    for rfc in hub.rfcs:
        if rfc.slug[:4] != f"{rfc.number:04d}":
            yield problem(rfc, "number", f"number {rfc.number} does not match the file name "
                          f"{rfc.slug}.md: rename the file or fix the number", "rfc-numbers")
        if rfc.number in seen:
            yield problem(rfc, "number", f"RFC number {rfc.number} is also used by {seen[rfc.number]}",
                          "rfc-numbers")
        else:
            seen[rfc.number] = rfc.at()[0]


def _required_fields(rfc: Rfc) -> Iterator[tuple[str, str]]:
    d = rfc.decision
    if rfc.status not in (S.draft, S.withdrawn) and not rfc.shepherd:
        yield "shepherd", f"{_a(rfc.status)} needs a shepherd"
    if rfc.status in (S.fcp, *DECIDED):
        if d is None:
            yield "decision", f"{_a(rfc.status)} needs its decision block"
            return
        for name in ("fcp_start", "fcp_end"):
            if getattr(d, name) is None:
                yield f"decision.{name}", f"{_a(rfc.status)} records when its final comment period ran"
    if rfc.status in DECIDED and d is not None:
        for name in ("decided", "summary"):
            if getattr(d, name) is None:
                yield f"decision.{name}", f"{_a(rfc.status)} records its decision's {name}"
        if not d.signoffs:
            yield "decision.signoffs", "a decided RFC lists who signed off"
        implied = IMPLIED_DISPOSITION[rfc.status]
        if d.disposition is not implied:
            yield "decision.disposition", (f"status {rfc.status.value} means disposition "
                                           f"{implied.value}, not {d.disposition.value}")
        if (rfc.type is RfcType.decision and d.disposition is Disposition.accept
                and d.chosen_option not in rfc.options):
            yield "decision.chosen_option", (f"an accepted decision names its chosen option, one of "
                                             f"options {rfc.options}")
    if rfc.status in (S.draft, S.review) and d is not None and d.decided is not None:
        yield "decision.decided", f"{_a(rfc.status)} cannot have been decided"
    if rfc.status is S.superseded and not rfc.superseded_by:
        yield "superseded_by", "a superseded RFC names the RFC that superseded it"


@check("rfc-fields")
def rfc_fields(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Fields required per status: a shepherd from review on, a decision block once in FCP or decided."""
    for rfc in hub.rfcs:
        for field, msg in _required_fields(rfc):
            yield problem(rfc, field, msg, "rfc-fields")


TOOK_EFFECT = frozenset({S.accepted, S.implemented, S.superseded, S.deprecated})


@check("rfc-supersede")
def rfc_supersede(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Supersede links point at existing RFCs, are reciprocal once the successor is accepted, and
    form no cycle; only a superseded RFC has superseded_by."""
    numbers = {r.number for r in hub.rfcs} | {int(n) for n in hub.unloaded["rfc"]}
    for rfc in hub.rfcs:
        for field, targets in (("supersedes", rfc.supersedes), ("superseded_by", rfc.superseded_by)):
            for i, num in enumerate(targets):
                if num == rfc.number:
                    yield problem(rfc, f"{field}[{i}]", "an RFC cannot supersede itself", "rfc-supersede")
                elif num not in numbers:
                    yield problem(rfc, f"{field}[{i}]", f"no RFC {num:04d} in rfcs/", "rfc-supersede")
        for i, num in enumerate(rfc.superseded_by):
            other = hub.rfc(num)
            if other and rfc.number not in other.supersedes:
                yield problem(rfc, f"superseded_by[{i}]", f"RFC {num:04d} must list {rfc.number} in "
                              "its supersedes too", "rfc-supersede")
            elif other and other.status not in TOOK_EFFECT:
                yield problem(rfc, f"superseded_by[{i}]", f"RFC {num:04d} is {other.status.value}: an RFC "
                              "is superseded only once its successor is accepted", "rfc-supersede")
        if rfc.superseded_by and rfc.status is not S.superseded:
            yield problem(rfc, "status", "an RFC with superseded_by has status superseded", "rfc-supersede")
        if rfc.status in TOOK_EFFECT:
            for i, num in enumerate(rfc.supersedes):
                other = hub.rfc(num)
                if other and rfc.number not in other.superseded_by:
                    yield problem(rfc, f"supersedes[{i}]", f"RFC {num:04d} must list {rfc.number} in its "
                                  "superseded_by too", "rfc-supersede")
    # a cycle in superseded_by means no decision is in force
    for rfc in hub.rfcs:
        seen, cur = [rfc.number], rfc
        while cur.superseded_by and (nxt := hub.rfc(cur.superseded_by[-1])) is not None:
            if nxt.number in seen:
                if nxt.number == rfc.number:
                    chain = " -> ".join(f"{n:04d}" for n in [*seen, nxt.number])
                    yield problem(rfc, "superseded_by", f"supersede cycle {chain}", "rfc-supersede")
                break
            seen.append(nxt.number)
            cur = nxt


@check("rfc-approvers")
def rfc_approvers(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Sign-offs come from the RFC approvers of its SIGs, and never from its own authors."""
    for rfc in hub.rfcs:
        if rfc.decision is None:
            continue
        approvers = {a for sid in [rfc.owning_sig, *rfc.participating_sigs]
                     if (sig := hub.sig(sid)) for a in sig.rfc_approvers}
        for i, pid in enumerate(rfc.decision.signoffs):
            if pid in rfc.authors:
                yield problem(rfc, f"decision.signoffs[{i}]", f"{pid} is an author: authors do not "
                              "approve their own RFC", "rfc-approvers")
            elif pid not in approvers:
                yield problem(rfc, f"decision.signoffs[{i}]", f"{pid} is not an RFC approver of "
                              f"{', '.join([rfc.owning_sig, *rfc.participating_sigs])}", "rfc-approvers")


@check("rfc-quorum")
def rfc_quorum(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A decided RFC had quorum (max(2, 2/3 of eligible approvers), at most 2 outstanding) and no
    open blocking concern."""
    for rfc in hub.rfcs:
        d, sig = rfc.decision, hub.sig(rfc.owning_sig)
        if rfc.status not in DECIDED or d is None or sig is None:
            continue
        state = quorum(sig.rfc_approvers, rfc.authors, d.signoffs)
        if len(state.signed) < state.needed:
            yield problem(rfc, "decision.signoffs", f"{len(state.signed)} sign-off(s) of {sig.id}'s "
                          f"approvers; quorum is {state.needed} of {len(state.eligible)}", "rfc-quorum")
        for i, c in enumerate(d.concerns):
            if c.blocking and c.resolved is None:
                yield problem(rfc, f"decision.concerns[{i}].resolved", f"blocking concern {c.name!r} "
                              "is unresolved; a decided RFC has none", "rfc-quorum")


@check("rfc-headings")
def rfc_headings(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every RFC has the template's sections (## headings), in the template's order."""
    try:
        required = template.required_headings(hub.root)
    except (OSError, FileError) as exc:
        # about the whole file, like the loader's own file problems
        yield Problem(template.TEMPLATE, "", f"cannot read the RFC template: {exc}", "files")
        return
    for rfc in hub.rfcs:
        have = [h for h in template.headings(rfc.body) if h in required]
        missing = [h for h in required if h not in have]
        if missing:
            yield problem(rfc, "body", f"missing section(s): {', '.join(missing)}", "rfc-headings")
        elif have != required:
            yield problem(rfc, "body", f"sections out of order: expected {' / '.join(required)}",
                          "rfc-headings")


def _aware(value: dt.datetime) -> bool:
    return value.tzinfo is not None


def _date_order(rfc: Rfc) -> Iterator[tuple[str, str]]:
    d = rfc.decision
    if rfc.updated and rfc.updated < rfc.created:
        yield "updated", f"updated {rfc.updated} is before created {rfc.created}"
    if d is None:
        return
    if d.fcp_start and d.fcp_start.date() < rfc.created:
        yield "decision.fcp_start", "the final comment period starts after the RFC was created"
    # a naive time is reported below; comparing it with an aware one would raise TypeError
    if d.fcp_start and d.fcp_end and _aware(d.fcp_start) == _aware(d.fcp_end) and d.fcp_end <= d.fcp_start:
        yield "decision.fcp_end", "the final comment period ends after it starts"
    if d.decided and d.fcp_end and d.decided < d.fcp_end.date():
        yield "decision.decided", f"decided {d.decided} before the FCP ended ({d.fcp_end.date()})"
    if d.decided and d.decided < rfc.created:
        yield "decision.decided", "decided before the RFC was created"
    for i, c in enumerate(d.concerns):
        if c.resolved and c.resolved < c.raised:
            yield f"decision.concerns[{i}].resolved", "resolved before it was raised"
    if rfc.review_by and d.decided and rfc.review_by <= d.decided:
        yield "review_by", "the review date comes after the decision"
    for name in ("fcp_start", "fcp_end"):
        value = getattr(d, name)
        if value is not None and not _aware(value):
            yield f"decision.{name}", "give a time zone offset, e.g. 2026-03-16T09:00:00+01:00"


@check("rfc-dates")
def rfc_dates(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """RFC dates are in order (created, FCP start and end, decided, review_by) and not in the future."""
    for rfc in hub.rfcs:
        if rfc.created > now.date():
            yield problem(rfc, "created", f"{rfc.created} is in the future", "rfc-dates")
        for field, msg in _date_order(rfc):
            yield problem(rfc, field, msg, "rfc-dates")


@check("rfc-review-by")
def rfc_review_by(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Warns when a decision in force is past its review_by date, so it does not silently go stale."""
    for rfc in hub.rfcs:
        if rfc.review_by and rfc.review_by < now.date() and rfc.status in (S.accepted, S.implemented):
            yield problem(rfc, "review_by", f"the decision was due for review on {rfc.review_by}: "
                          "confirm it (set a new review_by) or supersede it", "rfc-review-by", "warning")
