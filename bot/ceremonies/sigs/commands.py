"""`/sig` parsed into command objects; its help and usage lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.refusal import Refusal, extra, unknown
from bot.words import split

HELP = """*SIGs* (`/sig ...`)
• `/sig list` · `/sig info SIG` · `/sig next SIG` (in your time zone)
• `/sig join SIG` · `/sig leave SIG`: proposed as a pull request to community/sigs.yaml
• Chairs: `/sig skip SIG YYYY-MM-DD` · `/sig schedule SIG` (a poll of the fairest times) · `/sig choose SIG N`"""
USAGE = {"info": "usage: /sig info SIG", "next": "usage: /sig next SIG", "join": "usage: /sig join SIG",
         "leave": "usage: /sig leave SIG", "skip": "usage: /sig skip SIG YYYY-MM-DD",
         "schedule": "usage: /sig schedule SIG",
         "choose": "usage: /sig choose SIG N (N from the poll of `/sig schedule`)"}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class List:
    pass


@dataclass(frozen=True)
class OfSig:
    """A command about one SIG."""

    sig: str


class Info(OfSig):
    pass


class Next(OfSig):
    pass


class Join(OfSig):
    pass


class Leave(OfSig):
    pass


class Schedule(OfSig):
    pass


@dataclass(frozen=True)
class Skip(OfSig):
    day: dt.date


@dataclass(frozen=True)
class Choose(OfSig):
    n: int


Command = Help | List | Info | Next | Join | Leave | Skip | Schedule | Choose
EDITS = (Join, Leave, Skip, Choose)  # proposed as pull requests to community/sigs.yaml


def parse(text: str) -> Command:
    words = [w.text for w in split(text)]
    if not words:
        return Help()
    sub, args = words[0].lower(), words[1:]
    if sub in ("help", "list"):
        if args:
            raise extra("/sig", sub, args[0], f"usage: /sig {sub}")
        return Help() if sub == "help" else List()
    if sub not in USAGE:
        raise unknown("/sig", words[0])
    want = {"skip": 2, "choose": 2}.get(sub, 1)
    if len(args) != want:
        raise Refusal(USAGE[sub])
    sig = args[0].lower()
    if sub == "skip":
        try:
            return Skip(sig, dt.date.fromisoformat(args[1]))
        except ValueError:
            raise Refusal(USAGE["skip"]) from None
    if sub == "choose":
        if not args[1].isdigit():
            raise Refusal(USAGE["choose"])
        return Choose(sig, int(args[1]))
    one: dict[str, Callable[[str], Command]] = {"info": Info, "next": Next, "join": Join, "leave": Leave,
                                                "schedule": Schedule}
    return one[sub](sig)
