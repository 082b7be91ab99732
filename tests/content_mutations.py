"""Mutations of the content files, shared by bench/content_fuzz.py and the loader's property test."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mlhub.content.files import FileError, parse_yaml, split_front_matter

# Files a hub cannot do without: emptying or deleting one must be an error.
REQUIRED = ("community/people.yaml", "community/sigs.yaml", "community/ceremonies.yaml",
            "community/roadmap.yaml")
DEPTH = 5000  # deeper than any recursion limit
# Stand-ins replaced in the serialised text, because yaml.dump itself recurses.
DEEP_LIST, DEEP_MAP = "@@deep-list@@", "@@deep-map@@"
_DEEP = {DEEP_LIST: "[" * DEPTH + "]" * DEPTH, DEEP_MAP: "{a: " * DEPTH + "1" + "}" * DEPTH}
# Anchors and aliases that expand to 9**9 strings (the "billion laughs").
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


@dataclass(frozen=True)
class Mutation:
    """One change to the content: build() gives the new bytes of file `rel` (None deletes it).
    Built on demand: the full list of candidates is far larger than any run tries."""

    name: str
    rel: str
    build: Callable[[], bytes | None]


# Values any field may receive: wrong types, extremes, sizes, nesting.
ANY_VALUES: dict[str, Any] = {
    "null": None, "zero": 0, "negative": -1, "huge int": 10**40, "float": 1.5, "bool": True,
    "empty string": "", "blank string": "   ", "word": "x", "empty list": [], "empty map": {},
    "nested list": ["a", ["b", ["c"]]], "map": {"k": "v"}, "list of maps": [{"k": 1}, {"k": 2}],
    "100 KB string": "x" * 100_000, "300 KB string": "y" * 300_000, "deep list": DEEP_LIST,
    "deep map": DEEP_MAP, "control chars": "a\x00b\x1bc", "bidi": "\u202egnp.exe",
    "markup": "<script>alert(1)</script> {{ x }} [l](javascript:alert(1))", "newlines": "a\n---\nb",
    "bad date": "2026-02-30", "max date": "9999-12-31", "min date": "0001-01-01",
    "year 10000": "10000-01-01", "naive time": "2026-04-20T09:00:00",
    "aware time": "2026-04-20T09:00:00+02:00", "max time": "9999-12-31T23:59:59-12:00",
    "min time": "0001-01-01T00:00:00+14:00",
}

# Values for fields whose meaning invites specific mistakes.
FIELD_VALUES: dict[str, dict[str, Any]] = {
    "rrule": {
        "secondly": "FREQ=SECONDLY", "minutely": "FREQ=MINUTELY", "hourly": "FREQ=HOURLY",
        "interval 0": "FREQ=WEEKLY;INTERVAL=0", "interval -1": "FREQ=WEEKLY;INTERVAL=-1",
        "interval huge": "FREQ=DAILY;INTERVAL=999999999", "count 0": "FREQ=WEEKLY;COUNT=0",
        "never (daily)": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "never (weekly)": "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", "never (yearly)": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        "never (interval)": "FREQ=DAILY;INTERVAL=7;BYDAY=SA",
        "never (monthly)": "FREQ=MONTHLY;BYDAY=6MO", "never (setpos)": "FREQ=DAILY;BYSETPOS=2",
        "every second of the day": "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24)))
        + ";BYMINUTE=" + ",".join(map(str, range(60))) + ";BYSECOND=" + ",".join(map(str, range(60))),
        "until far": "FREQ=WEEKLY;UNTIL=99991231T000000Z", "until naive": "FREQ=WEEKLY;UNTIL=20270101T000000",
        "until past": "FREQ=WEEKLY;UNTIL=19700101T000000Z", "two rules": "FREQ=WEEKLY\nRRULE:FREQ=DAILY",
        "with dtstart": "DTSTART:19700101T000000\nRRULE:FREQ=WEEKLY", "bad day": "FREQ=WEEKLY;BYDAY=XX",
        "weekno 53": "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO", "empty part": "FREQ=WEEKLY;;",
        "no freq": "INTERVAL=2", "lowercase": "freq=weekly;byday=tu", "prefixed": "RRULE:FREQ=WEEKLY",
        "exrule": "EXRULE:FREQ=WEEKLY", "easter": "FREQ=YEARLY;BYEASTER=0",
    },
    "exdates": {
        "max": ["9999-12-31"], "min": ["0001-01-01"], "bad": ["2026-02-30"],
        "times": ["2026-12-22T10:30:00"], "many": [f"2026-{m:02d}-{d:02d}" for m in range(1, 13)
                                                    for d in range(1, 29)],
        "far ahead": ["2400-01-04"],
    },
    "dtstart": {
        "max": "9999-12-31T23:30:00", "min": "0001-01-01T00:00:00", "aware": "2026-01-06T10:30:00+01:00",
        "dst gap": "2026-03-29T02:30:00", "dst fold": "2026-10-25T02:30:00", "date only": "2026-01-06",
        "year 1900": "1900-01-02T10:30:00", "far future": "2400-01-04T10:30:00",
    },
    "duration": {
        "zero": "PT0S", "negative": "-PT30M", "huge days": "P99999999D", "huge hours": "PT1000000H",
        "years": "P1Y", "fraction": "PT0.5S", "week": "P1W", "junk": "30 minutes",
    },
    "tz": {
        "empty": "", "utc": "UTC", "far": "Etc/GMT+14", "traversal": "../../etc/passwd", "padded": "Europe/Paris ",
        "localtime": "localtime", "factory": "Factory", "posix": "posixrules", "abbrev": "CET",
        "file path": "/usr/share/zoneinfo/Europe/Paris",
    },
    "fcp_start": {"naive": "2026-04-20T09:00:00", "min": "0001-01-01T00:00:00+14:00",
                  "max": "9999-12-31T23:59:59-12:00"},
    "fcp_end": {"naive": "2026-04-27T17:00:00", "min": "0001-01-01T00:00:00+14:00",
                "max": "9999-12-31T23:59:59-12:00"},
    "url": {"no host": "http://", "script": "javascript:alert(1)", "long": "https://e.x/" + "a" * 100_000},
    "number": {"max": 9999, "too big": 10000, "string": "0001"},
    "supersedes": {"self": [1], "missing": [9999], "many": list(range(1, 2000))},
    "superseded_by": {"self": [1], "missing": [9999], "cycle": [2]},
}

# Changes to a whole file's text: emptied, truncated, not YAML, not UTF-8, nested, expanded.
WHOLE_FILE: dict[str, Any] = {
    "emptied": lambda t: b"",
    "whitespace only": lambda t: b"\n \n",
    "null": lambda t: b"null\n",
    "a list": lambda t: b"[]\n",
    "a number": lambda t: b"42\n",
    "a string": lambda t: b"'text'\n",
    "truncated": lambda t: t[: len(t) // 2],
    "first line only": lambda t: t.split(b"\n", 1)[0],
    "not UTF-8": lambda t: b"\xff\xfe" + t,
    "byte-order mark": lambda t: b"\xef\xbb\xbf" + t,
    "CRLF": lambda t: t.replace(b"\n", b"\r\n"),
    "tabs": lambda t: t.replace(b"  ", b"\t"),
    "deep nesting": lambda t: _DEEP[DEEP_LIST].encode(),
    "billion laughs": lambda t: LAUGHS.encode(),
    "duplicated": lambda t: t + b"\n" + t,
    "over 256 KiB": lambda t: t + b"\n# " + b"z" * 300_000 + b"\n",
    "deleted": lambda t: None,
}
FRONT_MATTER_ONLY: dict[str, Any] = {
    "no front matter": lambda t: t.split(b"\n---\n", 1)[-1],
    "unclosed front matter": lambda t: t.replace(b"\n---\n", b"\n", 1),
    "empty front matter": lambda t: b"---\n---\nbody\n",
    "front matter laughs": lambda t: b"---\n" + LAUGHS.encode() + b"---\n",
    "front matter deep": lambda t: b"---\nx: " + _DEEP[DEEP_LIST].encode() + b"\n---\n",
}


def unnamed(path: str, field: str, check: str, root: Path, rel: str) -> str | None:
    """Why a problem does not name its file and field, or None when it does. A problem about a
    whole file (check `files`: unreadable, not YAML, empty, missing) names the file only."""
    if not path or not ((root / path).is_file() or path in (rel, *REQUIRED)):
        return "no file"
    if not field and check != "files":
        return "no field"
    return None


def content_files(root: Path) -> list[str]:
    """Every content file the loader reads as YAML or front matter, relative to root."""
    out = []
    for pattern in ("community/*.yaml", "catalog/*.yaml", "requests/*.yaml", "rfcs/*.md", "demos/*.md"):
        out += sorted(p.relative_to(root).as_posix() for p in root.glob(pattern))
    return out


def parse(rel: str, text: str) -> tuple[Any, str | None]:
    """(data, body): body is None for a YAML file, the Markdown after the front matter otherwise."""
    if rel.endswith(".md"):
        return split_front_matter(text)
    return parse_yaml(text), None


def serialise(data: Any, body: str | None) -> bytes:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000)
    for stand_in, deep in _DEEP.items():
        text = text.replace(f"'{stand_in}'", deep).replace(stand_in, deep)
    if body is not None:
        text = f"---\n{text}---\n{body}"
    return text.encode("utf-8")


def node_paths(data: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a node below the top: keys of mappings and indices of lists."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        yield (*prefix, key)
        yield from node_paths(value, (*prefix, key))


def replaced(data: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    out = copy.deepcopy(data)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


def values_for(path: tuple) -> dict[str, Any]:
    """The values worth trying at a path: the field's own pitfalls, then every generic one."""
    key = next((k for k in reversed(path) if isinstance(k, str)), "")
    return {**FIELD_VALUES.get(key, {}), **ANY_VALUES}


def _where(path: tuple) -> str:
    return ".".join(str(k) for k in path)


def field_mutations(root: Path, rel: str) -> Iterator[Mutation]:
    """Every value of values_for() at every node of one file, and each node deleted."""
    try:
        data, body = parse(rel, (root / rel).read_text(encoding="utf-8"))
    except FileError:
        return  # a page without front matter (rfcs/README.md): only whole-file changes apply
    for path in node_paths(data):
        yield Mutation(f"{rel}: delete {_where(path)}", rel,
                       lambda p=path: serialise(replaced(data, p, None, True), body))
        for name, value in values_for(path).items():
            yield Mutation(f"{rel}: {_where(path)} = {name}", rel,
                           lambda p=path, v=value: serialise(replaced(data, p, v), body))


def file_mutations(root: Path, rel: str) -> Iterator[Mutation]:
    raw = (root / rel).read_bytes()
    ops = {**WHOLE_FILE, **(FRONT_MATTER_ONLY if rel.endswith(".md") else {})}
    for name, fn in ops.items():
        yield Mutation(f"{rel}: {name}", rel, lambda f=fn: f(raw))


def targeted(root: Path) -> list[Mutation]:
    """The failures the issue names, always tried: recurrence, exdates, naive times, empty files."""
    out = []
    for rel in REQUIRED + ("catalog/katib.yaml",):
        out += [m for m in file_mutations(root, rel) if m.name.endswith((": emptied", ": deleted",
                                                                       ": deep nesting"))]
    ceremonies = "community/ceremonies.yaml"
    for m in field_mutations(root, ceremonies):
        if m.name.split(": ", 1)[1] in (
            *(f"ml_sync.meeting.rrule = {n}" for n in FIELD_VALUES["rrule"]),
            *(f"community_sessions.meeting.exdates = {n}" for n in FIELD_VALUES["exdates"]),
            *(f"ml_sync.meeting.dtstart = {n}" for n in FIELD_VALUES["dtstart"]),
            *(f"ml_sync.meeting.duration = {n}" for n in FIELD_VALUES["duration"]),
        ):
            out.append(m)
    rfc = next(r for r in content_files(root) if r.startswith("rfcs/0002"))
    out += [m for m in field_mutations(root, rfc) if ": decision.fcp_" in m.name and "naive" in m.name]
    return out


def candidates(root: Path) -> list[Mutation]:
    out = []
    for rel in content_files(root):
        out += file_mutations(root, rel)
        out += field_mutations(root, rel)
    return out


def sample(root: Path, count: int, seed: int) -> list[Mutation]:
    """The targeted mutations plus a seeded sample of all the others, `count` in all."""
    first = targeted(root)
    names = {m.name for m in first}
    rest = [m for m in candidates(root) if m.name not in names]
    return first + random.Random(seed).sample(rest, max(0, min(len(rest), count - len(first))))
