"""`/mlsync` parsed into command objects; its help and usage lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NoReturn

from bot.refusal import Refusal, unknown
from bot.words import rest, split

HELP = """*ML Sync* (`/mlsync ...`)
• `/mlsync add TEXT` (or `/mlsync add` for a form, or the message shortcut *Add to ML Sync agenda*)
• `/mlsync agenda`: the items for the next Sync
• Hosts: `/mlsync decision TEXT` · `/mlsync action OWNER TEXT` · `/mlsync publish [YYYY-MM-DD]` \
(the minutes, as a pull request)"""
MAX_ITEM = 500
USAGE = {"add": f"usage: /mlsync add TEXT (at most {MAX_ITEM} characters)",
         "decision": "usage: /mlsync decision TEXT",
         "action": "usage: /mlsync action OWNER TEXT (OWNER: a GitHub login from people.yaml)",
         "publish": "usage: /mlsync publish [YYYY-MM-DD]"}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Add:
    text: str


@dataclass(frozen=True)
class Form:
    """`/mlsync add` alone: the form."""


@dataclass(frozen=True)
class Agenda:
    pass


@dataclass(frozen=True)
class Decision:
    text: str


@dataclass(frozen=True)
class Action:
    owner: str
    text: str


@dataclass(frozen=True)
class Publish:
    day: dt.date | None


Command = Help | Add | Form | Agenda | Decision | Action | Publish


def item_text(text: str, sub: str) -> str:
    """An agenda item or note as stored: one line, not empty (`""` is empty), not too long."""
    text = " ".join(text.split())
    if not text:
        _refuse(sub)
    if len(text) > MAX_ITEM:
        raise Refusal(f"that is {len(text)} characters; an agenda item or note has at most {MAX_ITEM} "
                      "(link to the details)")
    return text


def _refuse(sub: str) -> NoReturn:
    raise Refusal(USAGE[sub])


def parse(text: str) -> Command:
    words = split(text)
    if not words:
        return Help()
    sub = words[0].text.lower()
    tail = rest(text, words, 1)
    if sub == "help":
        return Help()
    if sub == "agenda":
        return Agenda()
    if sub == "add":
        return Add(item_text(tail, "add")) if tail.strip() else Form()
    if sub == "decision":
        return Decision(item_text(tail, "decision"))
    if sub == "action":
        owner = words[1].text.lstrip("@") if len(words) > 1 else ""
        return Action(owner or _refuse("action"), item_text(rest(text, words, 2), "action"))
    if sub == "publish":
        if len(words) > 2:
            raise Refusal(USAGE["publish"])
        try:
            return Publish(dt.date.fromisoformat(words[1].text) if len(words) == 2 else None)
        except ValueError:
            raise Refusal(USAGE["publish"]) from None
    raise unknown("/mlsync", words[0].text)
