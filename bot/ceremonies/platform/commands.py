"""`/platform` parsed into command objects; its help and usage lines."""

from __future__ import annotations

from dataclasses import dataclass

from bot.mrkdwn import safe
from bot.refusal import Refusal
from bot.words import split

HELP = """*The platform's clusters* (`/platform ...`)
• `/platform where SERVICE`: which clusters run a service (its catalog id, or words of its name: `mlflow`), \
at which stage, with its links and the last health check
• `/platform cluster NAME`: one cluster: stage, region, teams, and each service's links and status
• `/platform clusters`: every cluster, those your team works on first
The same answers as `mlhub clusters where|show|list` in a terminal."""
USAGE = {"where": "usage: /platform where SERVICE (a catalog id such as `katib`, or words of its name)",
         "cluster": "usage: /platform cluster NAME (`/platform clusters` lists them)",
         "clusters": "usage: /platform clusters",
         "help": "usage: /platform help"}
MAX_QUERY = 100  # longer than any service's name: a paste, not a question


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Clusters:
    pass


@dataclass(frozen=True)
class Where:
    service: str  # a catalog id or words of a service's name


@dataclass(frozen=True)
class Cluster:
    name: str


Command = Help | Clusters | Where | Cluster


def usage(sub: str) -> Refusal:
    return Refusal(USAGE[sub])


def parse(text: str) -> Command:
    words = [w.text for w in split(text)]
    if not words:
        return Help()
    sub, args = words[0].lower(), words[1:]
    if sub not in USAGE:
        raise Refusal(f"I don't know `/platform {safe(sub, 40)}`. Usage: `/platform where SERVICE` · "
                      "`/platform cluster NAME` · `/platform clusters` · `/platform help`")
    if sub in ("help", "clusters"):
        if args:
            raise usage(sub)
        return Help() if sub == "help" else Clusters()
    if sub == "where":
        query = " ".join(args)
        if not query or len(query) > MAX_QUERY:
            raise usage(sub)
        return Where(query)
    if len(args) != 1 or len(args[0]) > MAX_QUERY:
        raise usage(sub)
    return Cluster(args[0])
