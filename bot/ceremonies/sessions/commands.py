"""`/demo` parsed into command objects; its help and usage lines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.refusal import Refusal, extra, unknown
from bot.words import split

HELP = """*Community Sessions* (`/demo ...`)
• `/demo propose`: propose a demo (at most 10 minutes plus 5 of questions)
• `/demo list`: the queue and the next sessions
• `/demo confirm ID` · `/demo withdraw ID`: a presenter confirms or gives up the slot
• `/demo recording ID URL`: after the session, a host or presenter attaches the recording; the demo's
entry in demos/ arrives as a pull request"""
USAGE = {"confirm": "usage: /demo confirm ID", "withdraw": "usage: /demo withdraw ID",
         "recording": "usage: /demo recording ID URL (an https link)"}


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Propose:
    pass


@dataclass(frozen=True)
class List:
    pass


@dataclass(frozen=True)
class OfDemo:
    """A command about one proposal, by its id or a unique start of it."""

    id: str


class Confirm(OfDemo):
    pass


class Withdraw(OfDemo):
    pass


@dataclass(frozen=True)
class Recording(OfDemo):
    url: str


Command = Help | Propose | List | Confirm | Withdraw | Recording


def parse(text: str) -> Command:
    words = [w.text for w in split(text)]
    if not words:
        return Help()
    sub, args = words[0].lower(), words[1:]
    simple: dict[str, Callable[[], Command]] = {"help": Help, "propose": Propose, "list": List}
    if sub in simple:
        if args:
            raise extra("/demo", sub, args[0], f"usage: /demo {sub}")
        return simple[sub]()
    if sub not in USAGE:
        raise unknown("/demo", words[0])
    if len(args) != (2 if sub == "recording" else 1):
        raise Refusal(USAGE[sub])
    if sub == "recording":
        if not args[1].startswith("https://") or len(args[1]) > 500:
            raise Refusal(USAGE["recording"])
        return Recording(args[0].lower(), args[1])
    return Confirm(args[0].lower()) if sub == "confirm" else Withdraw(args[0].lower())
