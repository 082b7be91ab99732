"""A weekly meeting slot fair to every time zone: score each candidate by the worst minutes any
member spends outside their 09:00-17:00, over the occurrences of the next weeks (so daylight-saving
changes count), and propose alternating two slots when no single one is fair."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import combinations
from zoneinfo import ZoneInfo

WORK_START, WORK_END = dt.time(9), dt.time(17)


@dataclass(frozen=True, order=True)
class Slot:
    """A weekly slot: weekday (0 = Monday) and minute of the day, in UTC."""

    weekday: int
    minute: int

    def label(self) -> str:
        day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][self.weekday]
        return f"{day} {self.minute // 60:02d}:{self.minute % 60:02d} UTC"

    def starts(self, first_monday: dt.date, weeks: int) -> list[dt.datetime]:
        base = dt.datetime.combine(first_monday, dt.time(), dt.UTC)
        return [base + dt.timedelta(days=7 * w + self.weekday, minutes=self.minute) for w in range(weeks)]


WEEKEND_MINUTES = 24 * 60  # a weekend meeting is worse than any weekday hour


def outside_minutes(start: dt.datetime, duration: dt.timedelta, zone: ZoneInfo) -> int:
    """How far the meeting reaches outside the member's 09:00-17:00, in minutes: 0 inside the
    window, else the distance from the window's edge to the meeting's furthest edge (so 03:00 is
    worse than 08:00). On the member's weekend: WEEKEND_MINUTES."""
    local = start.astimezone(zone)
    if local.weekday() >= 5:
        return WEEKEND_MINUTES
    day_start = dt.datetime.combine(local.date(), WORK_START, zone)
    day_end = dt.datetime.combine(local.date(), WORK_END, zone)
    early = (day_start.astimezone(dt.UTC) - start.astimezone(dt.UTC)).total_seconds() // 60
    late = ((start + duration).astimezone(dt.UTC) - day_end.astimezone(dt.UTC)).total_seconds() // 60
    return int(max(0, early, late))


def member_cost(slot: Slot, zone: ZoneInfo, duration: dt.timedelta, first_monday: dt.date, weeks: int) -> int:
    """The worst week for one member."""
    return max(outside_minutes(s, duration, zone) for s in slot.starts(first_monday, weeks))


def cost(slot: Slot, zones: list[ZoneInfo], duration: dt.timedelta, first_monday: dt.date, weeks: int) -> int:
    """The worst out-of-hours minutes of any member in any of the weeks."""
    return max(member_cost(slot, z, duration, first_monday, weeks) for z in zones)


def candidates(zones: list[ZoneInfo], duration: dt.timedelta, first_monday: dt.date, weeks: int = 8,
               step: int = 15) -> set[Slot]:
    """A grid of starts, plus every start where the worst cost can bend: a meeting edge on some
    member's 09:00 or 17:00, and the midpoints where one member's 'too early' meets another's 'too
    late' (the cost is a maximum of lines in the start time, so its minimum lies on these)."""
    minutes = int(duration.total_seconds() // 60)
    out = {Slot(d, m) for d in range(7) for m in range(0, 24 * 60, step)}
    for week in range(weeks):
        for d in range(7):
            day = first_monday + dt.timedelta(days=7 * week + d)
            opens, closes = [], []
            for zone in zones:
                for offset in (-1, 0, 1):  # the member's local day may differ from the UTC day
                    local = day + dt.timedelta(days=offset)
                    opens.append(dt.datetime.combine(local, WORK_START, zone).astimezone(dt.UTC))
                    closes.append(dt.datetime.combine(local, WORK_END, zone).astimezone(dt.UTC))
            points = opens + [c - dt.timedelta(minutes=minutes) for c in closes]
            for o in opens:
                for c in closes:
                    mid = o + (c - dt.timedelta(minutes=minutes) - o) / 2
                    points += [mid.replace(second=0, microsecond=0),
                               mid.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)]
            for p in points:
                out.add(Slot(p.weekday(), p.hour * 60 + p.minute))
    return out


def score(slot: Slot, zones: list[ZoneInfo], duration: dt.timedelta, first_monday: dt.date,
          weeks: int) -> tuple[int, int]:
    """(worst member's worst week, sum over members): lower is fairer; the sum breaks ties."""
    per_member = [member_cost(slot, z, duration, first_monday, weeks) for z in zones]
    return max(per_member), sum(per_member)


@dataclass(frozen=True)
class Proposal:
    slots: tuple[Slot, ...]  # one slot, or two that alternate week by week
    worst_minutes: float  # the worst member's out-of-hours minutes per meeting (averaged when alternating)

    def label(self) -> str:
        return " / ".join(s.label() for s in self.slots) + (" (alternating)" if len(self.slots) == 2 else "")


def ranked(zones: list[ZoneInfo], duration: dt.timedelta, first_monday: dt.date,
           weeks: int = 8) -> list[tuple[tuple[int, int], Slot]]:
    """Single slots with their scores, fairest first."""
    return sorted((score(s, zones, duration, first_monday, weeks), s)
                  for s in candidates(zones, duration, first_monday, weeks))


def find(zones: list[ZoneInfo], duration: dt.timedelta, first_monday: dt.date, weeks: int = 8,
         top: int = 3) -> list[Proposal]:
    """The best proposals, fairest first: single slots, and alternating pairs when they are fairer."""
    singles = ranked(zones, duration, first_monday, weeks)
    best = [Proposal((s,), c[0]) for c, s in singles[:top]]
    if singles[0][0][0] == 0:
        return best
    # alternating: each member's average over the two slots; the worst member decides
    pool = _spread([s for _, s in singles[:400]], 40)
    costs = {s: [member_cost(s, z, duration, first_monday, weeks) for z in zones] for s in pool}
    pairs = sorted((max((a + b) / 2 for a, b in zip(costs[x], costs[y], strict=True)), x, y)
                   for x, y in combinations(pool, 2))
    alternating = [Proposal((x, y), c) for c, x, y in pairs[:top] if c < singles[0][0][0]]
    return sorted(alternating + best, key=lambda p: (p.worst_minutes, len(p.slots)))[:top]


def _spread(slots: list[Slot], n: int) -> list[Slot]:
    """Up to n good slots at least two hours apart, so that pairs can favour different members."""
    chosen: list[Slot] = []
    for s in slots:
        if all(abs((s.weekday * 1440 + s.minute) - (c.weekday * 1440 + c.minute)) >= 120 for c in chosen):
            chosen.append(s)
        if len(chosen) == n:
            break
    return chosen
