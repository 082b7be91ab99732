"""The RFC template (rfcs/0000-template.md) is the only copy: filing and lint both read it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from mlhub.content.files import read_text, split_front_matter

TEMPLATE = "rfcs/0000-template.md"
HEADING = re.compile(r"^## (.+?)\s*$", re.M)


def load(root: Path) -> tuple[dict, str]:
    data, body = split_front_matter(read_text(root / TEMPLATE))
    return dict(data or {}), body


def required_headings(root: Path) -> list[str]:
    return HEADING.findall(load(root)[1])


def headings(body: str) -> list[str]:
    # headings inside fenced code blocks are not headings
    body = re.sub(r"^```.*?^```", "", body, flags=re.M | re.S)
    return HEADING.findall(body)


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].rstrip("-") or "rfc"


def render(root: Path, *, number: int, title: str, sig: str, authors: list[str], rfc_type: str,
           options: list[str], created: dt.date, summary: str | None = None) -> str:
    """A new draft RFC: the template's front matter filled in, and its body."""
    data, body = load(root)
    data.update(number=number, title=title, status="draft", type=rfc_type, owning_sig=sig,
                participating_sigs=[], authors=authors, created=created.isoformat(), options=options)
    if summary:
        body = re.sub(r"(## Summary\n\n)<!--.*?-->", lambda m: m.group(1) + summary.strip(), body,
                      count=1, flags=re.S)
    if options:
        opts = "\n\n".join(f"### {o}\n\n- Pro:\n- Con:" for o in options)
        body = re.sub(r"(## Considered options\n\n<!--.*?-->)", lambda m: m.group(1) + "\n\n" + opts,
                      body, count=1, flags=re.S)
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return f"---\n{front}---\n{body}"
