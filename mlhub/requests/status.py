"""A request's status as one state machine: the allowed moves and what each status requires."""

from __future__ import annotations

from mlhub.content.models import Request, RequestStatus

S = RequestStatus

# Allowed moves. A declined request can be reopened; a done one is final.
EDGES: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.open: frozenset({S.planned, S.declined, S.done}),
    S.planned: frozenset({S.open, S.declined, S.done}),
    S.declined: frozenset({S.open}),
    S.done: frozenset(),
}
# Statuses in which the community can still support a request (and the bot counts votes).
SUPPORTABLE = frozenset({S.open, S.planned})


def move_error(old: RequestStatus, new: RequestStatus) -> str | None:
    """None if old -> new is allowed, else a message saying what is allowed instead."""
    if old == new or new in EDGES[old]:
        return None
    allowed = ", ".join(sorted(s.value for s in EDGES[old])) or "nothing (it is final)"
    return f"{old.value} -> {new.value} is not an allowed change; from {old.value} a request may move to {allowed}"


def field_errors(req: Request) -> list[tuple[str, str]]:
    """[(field, message)] for fields the request's status requires or forbids."""
    out = []
    if req.status is S.declined and not req.reason:
        out.append(("reason", "a declined request says why: add `reason` (one or two sentences)"))
    if req.status is not S.declined and req.reason:
        out.append(("reason", f"only a declined request has a reason; this one is {req.status.value}"))
    if req.status is S.planned and not req.roadmap_item:
        out.append(("roadmap_item", "a planned request names the roadmap item that answers it "
                    "(an id in community/roadmap.yaml)"))
    if req.duplicate_of and req.status is not S.declined:
        out.append(("duplicate_of", "a request merged into another is declined (reason: duplicate)"))
    return out


def moved(req: Request, new: RequestStatus, reason: str | None = None,
          roadmap_item: str | None = None) -> Request:
    """The request in its new status; ValueError naming what is wrong (the move or a missing field)."""
    if err := move_error(req.status, new):
        raise ValueError(err)
    changes: dict = {"status": new, "reason": reason if new is S.declined else None}
    if roadmap_item is not None:
        changes["roadmap_item"] = roadmap_item
    out = req.model_copy(update=changes)
    if errors := field_errors(out):
        raise ValueError("; ".join(f"{f}: {m}" for f, m in errors))
    return out
