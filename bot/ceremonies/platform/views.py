"""The clusters in Slack: one line per cluster, and the App Home blocks with the reader's team's
clusters first. Pure functions; the answers of `where` and `cluster` are mlhub.clusters.text's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.mrkdwn import SECTION, header, safe, section, units
from mlhub.clusters.health import Report, Status
from mlhub.clusters.query import for_team, works_on
from mlhub.content.models import Cluster

MORE = "…and {n} more: `/platform clusters`"


def health_summary(cluster: Cluster, report: Report | None) -> str:
    """`2 of 3 health URLs up` from the last check, or "" when it has none of this cluster."""
    found = [r for r in report.results if r.cluster == cluster.name] if report else []
    if not found:
        return ""
    up = sum(r.status is Status.up for r in found)
    icon = ":large_green_circle:" if up == len(found) else ":red_circle:"
    return f"{icon} {up} of {len(found)} health URLs up"


def line(cluster: Cluster, report: Report | None = None) -> str:
    parts = [f"• *{cluster.name}*", cluster.stage.value, safe(cluster.region, 80), f"run by {safe(cluster.team, 80)}",
             f"{len(cluster.services)} service{'' if len(cluster.services) == 1 else 's'}"]
    if status := health_summary(cluster, report):
        parts.append(status)
    return " · ".join(parts)


def fit(lines: Sequence[str], limit: int = SECTION) -> str:
    """As many whole lines as fit in one section, then how many were left out."""
    out: list[str] = []
    for i, text in enumerate(lines):
        more = MORE.format(n=len(lines) - i - 1) if i < len(lines) - 1 else ""
        if units("\n".join([*out, text, more])) > limit:
            out.append(MORE.format(n=len(lines) - i))
            break
        out.append(text)
    return "\n".join(out)


def checked(report: Report | None) -> str:
    if report is None:
        return "not checked yet"
    return f"checked {report.checked_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def grouped(clusters: Sequence[Cluster], team: str | None) -> tuple[list[Cluster], list[Cluster]]:
    """The team's clusters (those listing it in `teams`), then the others, each in content order."""
    ordered = for_team(clusters, team)
    mine = [c for c in ordered if works_on(c, team)]
    return mine, ordered[len(mine):]


def listing(clusters: Sequence[Cluster], team: str | None, report: Report | None) -> str:
    """`/platform clusters`: every cluster, the team's first under their own heading."""
    if not clusters:
        return "No cluster is described yet: add one to clusters/ (docs: the clusters page)."
    mine, others = grouped(clusters, team)
    if not mine:
        return "\n".join([f"*Clusters* ({checked(report)})", *(line(c, report) for c in others)])
    out = [f"*Your team ({safe(team or '', 80)}) works on* ({checked(report)})", *(line(c, report) for c in mine)]
    if others:
        out += ["*Other clusters*", *(line(c, report) for c in others)]
    return "\n".join(out)


def home_blocks(clusters: Sequence[Cluster], team: str | None, report: Report | None) -> list[dict]:
    """App Home's clusters: a section for the reader's team's, then one for the others."""
    mine, others = grouped(clusters, team)
    blocks: list[dict] = []
    if mine:
        blocks += [header(f"Your team's clusters ({team})"), section(fit([line(c, report) for c in mine]))]
    if others or not mine:
        blocks += [header("Other clusters" if mine else "Clusters"),
                   section(fit([line(c, report) for c in others]) or "No cluster is described yet.")]
    blocks.append(section(f"_{checked(report)}_ · `/platform where SERVICE` · `/platform cluster NAME`"))
    return blocks
