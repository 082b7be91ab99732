"""Meeting recurrence rules: RFC 5545 RRULE text checked before dateutil expands it, so no rule
can make the calendar loop for long (sub-daily frequencies, INTERVAL=0, rules that never fire)."""

from __future__ import annotations

import datetime as dt
import math
import re

from dateutil.rrule import rrule

FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
TIME_OF_DAY = ("BYHOUR", "BYMINUTE", "BYSECOND")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Rule part -> the frequencies it may be used with (RFC 5545, section 3.3.10). Stricter for DAILY:
# a daily rule that filters days by BYMONTHDAY or BYSETPOS is a monthly one written the slow way,
# and the one kind that can need 146,097 daily periods to prove that it never fires.
PARTS: dict[str, tuple[str, ...]] = {
    "FREQ": FREQS, "INTERVAL": FREQS, "COUNT": FREQS, "UNTIL": FREQS, "WKST": FREQS,
    "BYDAY": FREQS, "BYMONTH": FREQS,
    "BYSETPOS": ("WEEKLY", "MONTHLY", "YEARLY"),
    "BYMONTHDAY": ("MONTHLY", "YEARLY"),
    "BYYEARDAY": ("YEARLY",),
    "BYWEEKNO": ("YEARLY",),
}
# Inclusive ranges of the numeric list parts.
RANGES = {"BYMONTH": (1, 12), "BYMONTHDAY": (1, 31), "BYYEARDAY": (1, 366), "BYWEEKNO": (1, 53),
          "BYSETPOS": (1, 366)}
# Periods of each frequency in 400 years: after them the Gregorian calendar, weekdays included,
# repeats exactly.
CYCLE = {"DAILY": 146_097, "WEEKLY": 20_871, "MONTHLY": 4_800, "YEARLY": 400}
BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


def parse(text: str) -> dict[str, str]:
    """The rule's parts (KEY -> VALUE, upper case); ValueError saying what to change otherwise."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if ":" in body or "\n" in body:
        raise ValueError("give one RRULE (FREQ=...;...) without other properties such as DTSTART, "
                         "EXRULE or RDATE, on one line")
    parts: dict[str, str] = {}
    for item in body.split(";"):
        key, sep, value = (s.strip().upper() for s in item.partition("="))
        if not (key and sep and value):
            raise ValueError(f"{item.strip()!r} is not KEY=VALUE")
        if key in parts:
            raise ValueError(f"{key} is given twice")
        parts[key] = value
    freq = parts.get("FREQ")
    if freq in SUB_DAILY:
        raise ValueError(f"FREQ={freq} is more often than a meeting repeats: use DAILY, WEEKLY, "
                         "MONTHLY or YEARLY")
    if freq not in FREQS:
        raise ValueError(f"FREQ must be one of {', '.join(FREQS)}, e.g. FREQ=WEEKLY;BYDAY=TU")
    for key in parts:
        if key in TIME_OF_DAY:
            raise ValueError(f"{key} is not used: a meeting's time of day is its dtstart")
        if key not in PARTS:
            raise ValueError(f"unknown rule part {key}; known: {', '.join(PARTS)}")
        if freq not in PARTS[key]:
            raise ValueError(f"{key} cannot be used with FREQ={freq}: use it with FREQ="
                             f"{' or '.join(PARTS[key])}, e.g. FREQ=MONTHLY;BYMONTHDAY=1,15")
    _check_values(parts, freq)
    return parts


def _number(key: str, value: str, lo: int, hi: int, signed: bool = False) -> int:
    m = re.fullmatch(r"([+-]?)(\d{1,4})", value)
    n = int(value) if m else 0
    if not m or (m.group(1) and not signed) or not lo <= abs(n) <= hi:
        sign = "-" if signed else ""
        raise ValueError(f"{key}={value}: each value must be a whole number from {sign}{lo} to {hi}"
                         + (f" or -{hi} to -{lo}" if signed else ""))
    return n


def _check_values(parts: dict[str, str], freq: str) -> None:
    if "INTERVAL" in parts:
        _number("INTERVAL", parts["INTERVAL"], 1, 999)
    if "COUNT" in parts:
        _number("COUNT", parts["COUNT"], 1, 9999)
        if "UNTIL" in parts:
            raise ValueError("give COUNT or UNTIL, not both")
    for key, (lo, hi) in RANGES.items():
        for value in parts[key].split(",") if key in parts else ():
            _number(key, value, lo, hi, signed=key != "BYMONTH")
    if parts.get("WKST", "MO") not in WEEKDAYS:
        raise ValueError(f"WKST={parts['WKST']}: give a weekday, one of {', '.join(WEEKDAYS)}")
    for value in parts["BYDAY"].split(",") if "BYDAY" in parts else ():
        m = BYDAY.match(value)
        if not m:
            raise ValueError(f"BYDAY={value}: give weekdays such as TU or, monthly, -1TH (the last Thursday)")
        if m.group(1):
            most = {"MONTHLY": 5, "YEARLY": 53}.get(freq)
            if most is None:
                raise ValueError(f"BYDAY={value}: a numbered weekday needs FREQ=MONTHLY or YEARLY")
            if not 1 <= abs(int(m.group(1))) <= most:
                raise ValueError(f"BYDAY={value}: with FREQ={freq} the number is 1 to {most} or -{most} to -1")
    if "BYSETPOS" in parts and not any(k.startswith("BY") and k != "BYSETPOS" for k in parts):
        raise ValueError("BYSETPOS needs another BY... part to select from (RFC 5545)")


def fires(parsed: rrule, start: dt.datetime, parts: dict[str, str]) -> bool:
    """Whether the rule ever yields. Decided on one 400-year cycle placed at the end of dateutil's
    range, so a rule that never fires costs one cycle of periods instead of every period up to
    year 9999 (dateutil only stops there)."""
    freq = parts["FREQ"]
    cycles = math.ceil((9200 - start.year) / 400)  # whole cycles keep weekdays; may be negative
    # Every INTERVAL-th period visits, over the years, the same places in the cycle as every
    # gcd(INTERVAL, periods per cycle)-th one.
    step = math.gcd(int(parts.get("INTERVAL", "1")), CYCLE[freq])
    moved = start.replace(year=start.year + 400 * cycles)
    probe = parsed.replace(dtstart=moved, interval=step, count=None, until=None)
    return probe.after(moved, inc=True) is not None
