"""The platform's clusters in Slack: `/platform where SERVICE`, `/platform cluster NAME` (the same
answers as `mlhub clusters where|show`, from the same functions), `/platform clusters`, the
clusters on App Home, and the scheduled health check that tells each SIG when its services go
down or come back (bot.ceremonies.platform.watch)."""

from __future__ import annotations

from bot.ceremonies.platform import commands as c
from bot.ceremonies.platform import views, watch
from bot.deps import Deps
from bot.mrkdwn import clip, safe
from bot.refusal import Refusal
from bot.slash import Ask
from mlhub.clusters import ClusterError
from mlhub.clusters.health import Report
from mlhub.clusters.local import find_local
from mlhub.clusters.query import everywhere, show, where
from mlhub.clusters.text import cluster_text, where_text
from mlhub.content.hub import Hub
from mlhub.content.models import Cluster

COMMAND = "/platform"
ACTIONS: list[str] = []
VIEWS: list[str] = []
SHORTCUTS: list[str] = []
EVENTS: list[str] = []
ANSWER = 39_000  # Slack keeps 40,000 characters of a message's text


def known(deps: Deps) -> tuple[Hub, list[Cluster], Report | None]:
    """What `mlhub clusters` answers from: the content, every cluster (the local one first while
    `make up` runs it), and the newest health check."""
    hub = deps.hub()
    return hub, everywhere(hub, find_local(deps.config.hub.state_dir)), watch.latest(deps)


def run(deps: Deps, ask: Ask, cmd: c.Command) -> str:
    if isinstance(cmd, c.Help):
        return c.HELP
    hub, clusters, report = known(deps)
    if isinstance(cmd, c.Clusters):
        return clip(views.listing(clusters, ask.person.team if ask.person else None, report), ANSWER)
    try:
        if isinstance(cmd, c.Where):
            return clip(where_text(where(hub, cmd.service, clusters, report), report, slack=True), ANSWER)
        return clip(cluster_text(show(hub, cmd.name, clusters, report), report, slack=True), ANSWER)
    except ClusterError as exc:  # an unknown name: the message names the known ones
        sub = "where" if isinstance(cmd, c.Where) else "cluster"
        raise Refusal(f"{safe(str(exc), 2500)}\n{c.USAGE[sub]}") from None


def register(app, deps: Deps) -> None:
    deps.commands.add(COMMAND, c.parse, run, {})
    deps.jobs.every_tick(watch.check)
