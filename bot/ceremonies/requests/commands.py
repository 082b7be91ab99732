"""`/request` parsed into command objects; its help and usage lines."""

from __future__ import annotations

from dataclasses import dataclass

from bot.refusal import Refusal
from bot.words import split

HELP = """*Requests for the platform* (`/request ...`)
• `/request new`: ask the platform for something (a form); similar open requests are shown first
• `/request list [SIG or service]`: the requests, most supporting teams first
• `/request show ID`: one request and where it stands
• `/request support ID`: support a request (one vote per person; a team counts once)
• `/request accept ID ROADMAP-ITEM` · `/request decline ID REASON`: the ML Sync hosts decide
• `/request merge DUPLICATE into ID`: a host merges a duplicate (declined; its supporters carried over)
• Message shortcut *Request this for the platform*: a request from any message
Requests are files in requests/; the bot publishes the tally of supporters as pull requests."""
USAGE = {"show": "usage: /request show ID", "support": "usage: /request support ID",
         "accept": "usage: /request accept ID ROADMAP-ITEM (an item id of community/roadmap.yaml)",
         "decline": "usage: /request decline ID REASON (say why, in a sentence)",
         "list": "usage: /request list [SIG or service id]",
         "merge": "usage: /request merge DUPLICATE into ID (DUPLICATE is declined, its supporters carried over)"}
MAX_REASON = 500


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class New:
    pass


@dataclass(frozen=True)
class List:
    filter: str | None = None


@dataclass(frozen=True)
class Show:
    id: str


@dataclass(frozen=True)
class Support:
    id: str


@dataclass(frozen=True)
class Accept:
    id: str
    item: str


@dataclass(frozen=True)
class Decline:
    id: str
    reason: str


@dataclass(frozen=True)
class Merge:
    id: str
    into: str


Command = Help | New | List | Show | Support | Accept | Decline | Merge


def parse(text: str) -> Command:
    found = split(text)
    words = [w.text for w in found]
    if not words:
        return Help()
    sub, args = words[0].lower(), words[1:]
    if sub in ("help", "new") and not args:
        return Help() if sub == "help" else New()
    if sub == "list":
        if len(args) > 1:
            raise Refusal(USAGE["list"])
        return List(args[0].lower() if args else None)
    if sub not in USAGE:
        raise Refusal(f"I don't know `/request {' '.join(words)[:60]}`. Try `/request help`.")
    if sub in ("show", "support"):
        if len(args) != 1:
            raise Refusal(USAGE[sub])
        return Show(args[0].lower()) if sub == "show" else Support(args[0].lower())
    if sub == "merge":
        if [a.lower() for a in args[1:2]] == ["into"]:
            args = args[:1] + args[2:]
        if len(args) != 2:
            raise Refusal(USAGE["merge"])
        return Merge(args[0].lower(), args[1].lower())
    if sub == "accept":
        if len(args) != 2:
            raise Refusal(USAGE["accept"])
        return Accept(args[0].lower(), args[1].lower())
    reason = text[found[2].start:].strip() if len(found) > 2 else ""
    if len(args) < 2 or not reason or len(reason) > MAX_REASON:
        raise Refusal(USAGE["decline"] + f"; at most {MAX_REASON} characters")
    return Decline(args[0].lower(), reason)
