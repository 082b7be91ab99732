"""A reader's feedback, parsed from the JSON the page's form posts: strict, or a refusal naming the field."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 2000  # characters of "what blocked you"; more is not feedback, it is a document
MAX_BODY = 8 * 1024  # bytes of the whole JSON body the server reads at most
FIELDS = ("page", "helped", "blocked")
# Script in any form is refused outright rather than cleaned: nobody types it into a feedback box.
SCRIPT = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b|javascript\s*:|\bon[a-z]+\s*=|<[^>]*\bsrcdoc\b",
                    re.I)
TAG = re.compile(r"<[^>]{0,200}>")


class Refused(ValueError):
    """Feedback that is not accepted; `field` is what to fix, the message says how."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class Feedback:
    page: str  # the page's source path, e.g. catalog/katib.md
    helped: bool
    blocked: str  # plain text, HTML removed; empty when the page helped and nothing was said


def clean(text: str) -> str:
    """Plain text: tags removed, control characters dropped (newlines kept), whitespace trimmed."""
    text = TAG.sub("", text)
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C")
    return re.sub(r"[ \t]+", " ", re.sub(r"\n{3,}", "\n\n", text)).strip()


def parse(data: Any, pages: Collection[str]) -> Feedback:
    """The feedback a form sent, or Refused naming the field. `pages` are the pages that carry
    the form (built from content): anything else is not a page of this site."""
    if not isinstance(data, dict):
        raise Refused("", "send a JSON object with page, helped and blocked")
    if extra := sorted(set(map(str, data)) - set(FIELDS)):
        raise Refused(extra[0], f"unknown field; send only {', '.join(FIELDS)}")
    page = data.get("page")
    if not isinstance(page, str) or page not in pages:
        raise Refused("page", "not a page of this site that takes feedback")
    helped = data.get("helped")
    if not isinstance(helped, bool):
        raise Refused("helped", "true (the page helped) or false (it did not)")
    raw = data.get("blocked", "")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise Refused("blocked", "text")
    if len(raw) > MAX_TEXT:
        raise Refused("blocked", f"at most {MAX_TEXT} characters (this is {len(raw)})")
    if SCRIPT.search(raw):
        raise Refused("blocked", "scripts and markup are not accepted; describe what blocked you in words")
    blocked = clean(raw)
    if not helped and not blocked:
        raise Refused("blocked", "say what blocked you, so the owners can fix it")
    return Feedback(page, helped, blocked)
