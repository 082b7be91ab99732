"""Edits to community/sigs.yaml as text, so comments and layout survive: membership, a skipped
occurrence, a new meeting time. Each edit is checked by loading the result before it is proposed."""

from __future__ import annotations

import re

import yaml
from pydantic import ValidationError

from mlhub.content.files import parse_yaml
from mlhub.content.models import SigsFile


class EditError(Exception):
    pass


def _block(text: str, start_pattern: str, indent: int) -> tuple[int, int]:
    """(start, end) offsets of the list item that starts with start_pattern at `indent` spaces."""
    m = re.search(rf"^{' ' * indent}- {start_pattern}\s*$", text, re.M)
    if not m:
        raise EditError(f"not found in community/sigs.yaml: {start_pattern}")
    nxt = re.compile(rf"^ {{0,{indent}}}\S|^{' ' * indent}- ", re.M).search(text, m.end())
    return m.start(), nxt.start() if nxt else len(text)


def _set_list(block: str, key: str, indent: int, values: list[str], after_key: str | None = None) -> str:
    line = f"{' ' * indent}{key}: [{', '.join(values)}]"
    pattern = re.compile(rf"^{' ' * indent}{key}: \[.*\]$", re.M)
    if pattern.search(block):
        return pattern.sub(line, block, count=1)
    anchor = re.search(rf"^{' ' * indent}{after_key}: .*$", block, re.M) if after_key else None
    if not anchor:
        raise EditError(f"cannot place `{key}` in community/sigs.yaml")
    return block[:anchor.end()] + "\n" + line + block[anchor.end():]


def _check(text: str) -> str:
    try:
        SigsFile.model_validate(parse_yaml(text))
    except (ValidationError, yaml.YAMLError) as exc:
        raise EditError(f"the edit would make community/sigs.yaml invalid: {exc}") from None
    return text


def set_members(text: str, sig: str, members: list[str]) -> str:
    a, b = _block(text, f"id: {re.escape(sig)}", 2)
    return _check(text[:a] + _set_list(text[a:b], "members", 4, members, after_key="rfc_approvers") + text[b:])


def add_exdate(text: str, meeting: str, day: str) -> str:
    a, b = _block(text, f"id: {re.escape(meeting)}", 6)
    block = text[a:b]
    current = re.search(r"^        exdates: \[(.*)\]$", block, re.M)
    days = [d.strip() for d in current.group(1).split(",") if d.strip()] if current else []
    if day not in days:
        days = sorted([*days, day])
    return _check(text[:a] + _set_list(block, "exdates", 8, days, after_key="rrule") + text[b:])


def set_time(text: str, meeting: str, tz: str, dtstart: str, rrule: str) -> str:
    a, b = _block(text, f"id: {re.escape(meeting)}", 6)
    block = text[a:b]
    for key, value in (("tz", tz), ("dtstart", dtstart), ("rrule", rrule)):
        def put(m: re.Match[str], v: str = value) -> str:
            return m.group(1) + v  # a function, not a template: the value's backslashes stay as they are

        block, n = re.subn(rf"^(        {key}: ).*$", put, block, count=1, flags=re.M)
        if n != 1:
            raise EditError(f"meeting {meeting} has no `{key}` line")
    block = re.sub(r"^        exdates: \[.*\]\n", "", block, flags=re.M)  # old skips do not apply to a new time
    return _check(text[:a] + block + text[b:])
