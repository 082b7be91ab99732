"""The RFC lifecycle as one state machine, and the quorum rule; the CLI, the bot and lint use it."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from mlhub.content.models import Disposition, RfcStatus

S = RfcStatus

# Allowed moves. Withdrawal is possible from every open state.
EDGES: dict[RfcStatus, frozenset[RfcStatus]] = {
    S.draft: frozenset({S.review, S.withdrawn}),
    S.review: frozenset({S.draft, S.fcp, S.withdrawn}),
    S.fcp: frozenset({S.review, S.accepted, S.rejected, S.postponed, S.withdrawn}),
    S.accepted: frozenset({S.implemented, S.superseded, S.deprecated}),
    S.implemented: frozenset({S.superseded, S.deprecated}),
    S.postponed: frozenset({S.draft}),
    S.rejected: frozenset(),
    S.superseded: frozenset(),
    S.deprecated: frozenset(),
    S.withdrawn: frozenset(),
}

OPEN = frozenset({S.draft, S.review, S.fcp})
DECIDED = frozenset({S.accepted, S.rejected, S.postponed, S.implemented, S.superseded, S.deprecated})
# Statuses in which the RFC's decision is in force.
IN_FORCE = frozenset({S.accepted, S.implemented})
# The status an FCP ends in, by disposition, and the disposition each decided status implies.
OUTCOME: dict[Disposition, RfcStatus] = {
    Disposition.accept: S.accepted,
    Disposition.reject: S.rejected,
    Disposition.postpone: S.postponed,
}
IMPLIED_DISPOSITION: dict[RfcStatus, Disposition] = {
    S.accepted: Disposition.accept,
    S.implemented: Disposition.accept,
    S.superseded: Disposition.accept,
    S.deprecated: Disposition.accept,
    S.rejected: Disposition.reject,
    S.postponed: Disposition.postpone,
}


def can_move(old: RfcStatus, new: RfcStatus) -> bool:
    return old == new or new in EDGES[old]


def move_error(old: RfcStatus, new: RfcStatus) -> str | None:
    """None if old -> new is allowed, else a message saying what is allowed instead."""
    if can_move(old, new):
        return None
    allowed = ", ".join(sorted(s.value for s in EDGES[old])) or "nothing (it is final)"
    return f"{old.value} -> {new.value} is not an allowed change; from {old.value} an RFC may move to {allowed}"


@dataclass(frozen=True)
class QuorumRule:
    fraction: float = 2 / 3
    minimum: int = 2
    max_outstanding: int = 2

    def needed(self, eligible: int) -> int:
        return max(self.minimum, math.ceil(self.fraction * eligible - 1e-9))


@dataclass(frozen=True)
class QuorumState:
    eligible: frozenset[str]
    signed: frozenset[str]
    needed: int

    @property
    def outstanding(self) -> frozenset[str]:
        return self.eligible - self.signed

    def met(self, rule: QuorumRule) -> bool:
        return len(self.signed) >= self.needed and len(self.outstanding) <= rule.max_outstanding


def quorum(approvers: Collection[str], authors: Collection[str], signoffs: Collection[str],
           rule: QuorumRule | None = None) -> QuorumState:
    """Authors never approve their own RFC, so they are not eligible and do not count."""
    eligible = frozenset(approvers) - frozenset(authors)
    signed = frozenset(signoffs) & eligible
    return QuorumState(eligible, signed, (rule or QuorumRule()).needed(len(eligible)))
