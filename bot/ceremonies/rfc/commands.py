"""`/rfc` parsed: the text becomes one small command object, or a Refusal with the usage line.
Help and usage lines live here, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.refusal import Refusal, unknown
from bot.words import rest, split
from mlhub.content.models import Disposition, RfcStatus

HELP = """*RFCs from Slack* (`/rfc ...`)
• `/rfc new`: file an RFC (opens a form; the bot opens its pull request)
• `/rfc list [STATUS]` · `/rfc show NUMBER`
• `/rfc ready NUMBER SHEPHERD`: an author moves a draft to review, naming its shepherd
• `/rfc fcp NUMBER accept|reject|postpone [OPTION] [SUMMARY]`: an RFC approver of the owning SIG \
proposes the final comment period
• `/rfc approve NUMBER`: sign off (or press *Approve* on the RFC's message)
• `/rfc concern NUMBER NAME [non-blocking]` · `/rfc resolve NUMBER NAME`
• `/rfc cancel NUMBER`: cancel the final comment period
The process: quorum is max(2, two thirds) of the SIG's approvers, at most 2 outstanding, no open \
blocking concern; then 5 business days in the SIG's time zone. A blocking concern pauses the clock."""

USAGE = {
    "show": "usage: /rfc show NUMBER",
    "ready": "usage: /rfc ready NUMBER SHEPHERD (the shepherd's GitHub login)",
    "fcp": "usage: /rfc fcp NUMBER accept|reject|postpone [OPTION] [SUMMARY]",
    "approve": "usage: /rfc approve NUMBER",
    "concern": "usage: /rfc concern NUMBER NAME [non-blocking]",
    "resolve": "usage: /rfc resolve NUMBER NAME",
    "cancel": "usage: /rfc cancel NUMBER",
    "list": "usage: /rfc list [STATUS]",
}
CONCERN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class List:
    status: RfcStatus | None = None


@dataclass(frozen=True)
class Show:
    number: int


@dataclass(frozen=True)
class New:
    pass


@dataclass(frozen=True)
class Ready:
    number: int
    shepherd: str


@dataclass(frozen=True)
class Propose:
    number: int
    disposition: Disposition
    rest: str = ""  # an option id the RFC names, then the summary; which is which needs the RFC


@dataclass(frozen=True)
class Approve:
    number: int


@dataclass(frozen=True)
class Concern:
    number: int
    name: str
    blocking: bool = True


@dataclass(frozen=True)
class Resolve:
    number: int
    name: str


@dataclass(frozen=True)
class Cancel:
    number: int


Command = Help | List | Show | New | Ready | Propose | Approve | Concern | Resolve | Cancel
CHANGES = (Ready, Propose, Approve, Concern, Resolve, Cancel)  # commands that change an RFC or its FCP


def number(word: str, usage: str) -> int:
    digits = word.lstrip("#")
    if not digits.isdigit() or int(digits) > 9999:
        raise Refusal(usage)
    return int(digits)


def concern_name(word: str) -> str:
    if not CONCERN_NAME.match(word):
        raise Refusal("a concern's name is one word of at most 60 letters, digits, `-`, `_` or `.`, "
                      "e.g. `storage-cost`; " + USAGE["concern"])
    return word


def parse(text: str) -> Command:
    words = split(text)
    if not words:
        return Help()
    sub, args = words[0].text.lower(), [w.text for w in words[1:]]
    if sub == "help":
        return Help()
    if sub == "new":
        if args:
            raise Refusal("usage: /rfc new (it opens a form)")
        return New()
    if sub == "list":
        if len(args) > 1 or (args and args[0].lower() not in {s.value for s in RfcStatus}):
            raise Refusal(USAGE["list"] + f"; statuses: {', '.join(s.value for s in RfcStatus)}")
        return List(RfcStatus(args[0].lower()) if args else None)
    if sub not in USAGE:
        raise unknown("/rfc", words[0].text)
    usage = USAGE[sub]
    if not args:
        raise Refusal(usage)
    n = number(args[0], usage)
    if sub == "fcp":
        if len(args) < 2 or args[1].lower() not in {d.value for d in Disposition}:
            raise Refusal(usage)
        summary = rest(text, words, 3)
        if len(summary) > MAX_SUMMARY:
            raise Refusal(f"the summary is {len(summary)} characters; keep it under {MAX_SUMMARY} "
                          "(the RFC itself holds the details)")
        return Propose(n, Disposition(args[1].lower()), summary)
    if sub == "concern":
        if len(args) not in (2, 3) or (len(args) == 3 and args[2].lower() != "non-blocking"):
            raise Refusal(usage)
        return Concern(n, concern_name(args[1]), blocking=len(args) == 2)
    exact = {"show": 1, "approve": 1, "cancel": 1, "ready": 2, "resolve": 2}[sub]
    if len(args) != exact:
        raise Refusal(usage)
    if sub == "show":
        return Show(n)
    if sub == "approve":
        return Approve(n)
    if sub == "cancel":
        return Cancel(n)
    if sub == "ready":
        return Ready(n, args[1].lstrip("@"))
    return Resolve(n, concern_name(args[1]))
